import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {annotation, reportToGithub} from './github-actions.js'

describe('GitHub Actions output', () => {
  it('escapes annotation data and properties as the runner requires', () => {
    expect(annotation('error', 'a: b, c', '50% of\nit')).toBe('::error title=a%3A b%2C c::50%25 of%0Ait')
  })

  it('appends the summary and prints annotations only inside Actions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'imh-gh-')), 'summary.md')
    const out = new PassThrough()
    let printed = ''
    out.on('data', (d) => (printed += d))
    await reportToGithub('# one', ['::error::x'], {GITHUB_STEP_SUMMARY: file}, out)
    await reportToGithub('# two\n', [], {GITHUB_STEP_SUMMARY: file}, out)
    await reportToGithub('# never', ['::error::never'], {}, out)
    expect(readFileSync(file, 'utf8')).toBe('# one\n# two\n')
    expect(printed).toBe('::error::x\n')
  })
})

import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DIRS = ['src', 'reference-server', 'commands', 'profiles', 'docs', 'bench', 'test', '.ci']
const TOP = ['README.md', 'PROTOCOL.md', 'package.json']
const TEXT = /\.(ts|mjs|js|md|yaml|json|html)$|^run$/
// The studies behind the protocol live outside this repository; PROTOCOL.md must stand alone.
const OUTSIDE = /\bflows\.md\b|\bseeds\//

describe('the repository stands alone', () => {
  it('no source, doc or profile cites a file outside the repository', () => {
    const files = [...TOP, ...DIRS.flatMap((d) => readdirSync(join(ROOT, d), {recursive: true, encoding: 'utf8'})
      // Dot-folders are git-ignored scratch (bench/.peers holds the peer tools a benchmark installs).
      .filter((f) => !f.includes('results/') && !f.split('/').some((part) => part.startsWith('.')) && TEXT.test(f.split('/').pop()!))
      .map((f) => join(d, f)))]
    const self = 'test/citations.test.ts'
    const hits = files.filter((f) => f !== self).flatMap((f) => readFileSync(join(ROOT, f), 'utf8').split('\n')
      .flatMap((line, i) => (OUTSIDE.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])))
    expect(hits).toEqual([])
  })
})

import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {checkReportPath, writeReportFile} from './report-file.js'

describe('report files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imh-report-file-'))

  it('accepts a new file in a writable directory, and writes it', async () => {
    const file = join(dir, 'r.html')
    await checkReportPath(file, '--html')
    await writeReportFile(file, '<p>ok</p>', '--html')
    expect(readFileSync(file, 'utf8')).toBe('<p>ok</p>')
  })

  it('refuses a missing directory or a directory as the file, naming the option and the file', async () => {
    await expect(checkReportPath(join(dir, 'nope', 'r.html'), '--html')).rejects.toMatchObject({
      code: 'IMH_ERR_INVALID_OPTION', message: `--html ${join(dir, 'nope', 'r.html')}: cannot write the report there (no directory ${join(dir, 'nope')})`,
    })
    await expect(checkReportPath(dir, '--html')).rejects.toThrow(`--html ${dir}: cannot write the report there (it is a directory)`)
    await expect(writeReportFile(join(dir, 'nope', 'r.html'), 'x', '--html')).rejects.toMatchObject({code: 'IMH_ERR_INVALID_OPTION', message: expect.stringContaining('(ENOENT)')})
  })
})

import {constants} from 'node:fs'
import {access, stat, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
/**
 * A report file that cannot be written, naming the option and the file. Its code is the one
 * src/protocol/errors.ts defines for a bad option (src/common imports nothing of ours, so the
 * class is plain): commands turn it into a sentence and exit 2, never a stack trace.
 */
export class ReportFileError extends Error {
  readonly code = 'IMH_ERR_INVALID_OPTION'

  constructor(readonly option: string, readonly file: string, why: string) {
    super(`${option} ${file}: cannot write the report there (${why})`)
    this.name = 'ReportFileError'
  }
}

/**
 * Checks before a run that a report file can be written (imh conform --html, imh load --junit,
 * --html): a run of minutes must not end in a report that cannot be saved. Errors name the option
 * and the file.
 */
export async function checkReportPath(file: string, option: string): Promise<void> {
  const dir = dirname(resolve(file))
  try {
    if (!(await stat(dir)).isDirectory()) throw new ReportFileError(option, file, `${dir} is not a directory`)
    await access(dir, constants.W_OK)
    if ((await stat(file).catch(() => undefined))?.isDirectory()) throw new ReportFileError(option, file, 'it is a directory')
  } catch (err) {
    if (err instanceof ReportFileError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new ReportFileError(option, file, code === 'ENOENT' ? `no directory ${dir}` : code === 'EACCES' ? `no permission to write in ${dir}` : (err as Error).message)
  }
}

/** Writes a report file; a failure is a {@link ReportFileError} naming the option and the file, not a stack trace. */
export async function writeReportFile(file: string, text: string, option: string): Promise<void> {
  try {
    await writeFile(file, text)
  } catch (err) {
    throw new ReportFileError(option, file, (err as NodeJS.ErrnoException).code ?? (err as Error).message)
  }
}

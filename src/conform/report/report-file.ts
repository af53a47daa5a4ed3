import {constants} from 'node:fs'
import {access, stat, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {ImhError} from '../../protocol/errors.js'

function unwritable(option: string, file: string, why: string): ImhError {
  return new ImhError('IMH_ERR_INVALID_OPTION', `${option} ${file}: cannot write the report there (${why})`, {option, file})
}

/**
 * Checks before a run that a report file can be written: a run of minutes must not end in a report
 * that cannot be saved. Errors name the option and the file.
 */
export async function checkReportPath(file: string, option: string): Promise<void> {
  const dir = dirname(resolve(file))
  try {
    if (!(await stat(dir)).isDirectory()) throw unwritable(option, file, `${dir} is not a directory`)
    await access(dir, constants.W_OK)
    if ((await stat(file).catch(() => undefined))?.isDirectory()) throw unwritable(option, file, 'it is a directory')
  } catch (err) {
    if (err instanceof ImhError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw unwritable(option, file, code === 'ENOENT' ? `no directory ${dir}` : code === 'EACCES' ? `no permission to write in ${dir}` : (err as Error).message)
  }
}

/** Writes a report file; a failure is an IMH_ERR_INVALID_OPTION naming the option and the file, not a stack trace. */
export async function writeReportFile(file: string, text: string, option: string): Promise<void> {
  try {
    await writeFile(file, text)
  } catch (err) {
    throw unwritable(option, file, (err as NodeJS.ErrnoException).code ?? (err as Error).message)
  }
}

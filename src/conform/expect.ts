import {isDeepStrictEqual} from 'node:util'
import type {CloseInfo, LongLink} from '../client/long-link.js'
import {CMD, type ErrorReply, type Frame, ImhError, isImhError, parseErrorReply, parseJsonBody} from '../protocol/index.js'
import {CaseFailure} from './failures.js'

/** Assertions for conformance cases: each failure names what the server did instead. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CaseFailure(message)
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new CaseFailure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

/** Expects `promise` to reject with a server error of `code`; returns the error. */
export async function checkRejects(promise: Promise<unknown>, code: string, what: string): Promise<ImhError> {
  try {
    await promise
  } catch (err) {
    if (isImhError(err) && (err.code === code || err.details?.serverCode === code)) return err
    throw new CaseFailure(`${what}: expected error ${code}, got ${isImhError(err) ? `${err.code} (${err.message})` : String(err)}`)
  }
  throw new CaseFailure(`${what}: expected error ${code}, but the request succeeded`)
}

export function checkErrorBody(frame: Frame, code: string, what: string): ErrorReply {
  let body: ErrorReply
  try {
    body = parseErrorReply(parseJsonBody(frame.body))
  } catch (err) {
    throw new CaseFailure(`${what}: ERROR body is not {ret, code, errMsg}: ${(err as Error).message}`)
  }
  checkEqual(body.code, code, `${what}: ERROR code`)
  return body
}

/** Waits for the link to close and checks the close code. */
export async function checkClosed(link: LongLink, code: number | undefined, timeoutMs: number, what: string): Promise<CloseInfo> {
  let info: CloseInfo
  try {
    info = await link.waitClose(timeoutMs)
  } catch {
    throw new CaseFailure(`${what}: the server did not close the link within ${timeoutMs} ms`)
  }
  if (code !== undefined) checkEqual(info.code, code, `${what}: close code`)
  return info
}

/** Checks that the link still answers a heartbeat. */
export async function checkAlive(link: LongLink, timeoutMs: number, what: string): Promise<void> {
  try {
    await link.request(CMD.NOOP, undefined, timeoutMs)
  } catch (err) {
    throw new CaseFailure(`${what}: link no longer answers a heartbeat (${(err as Error).message})`)
  }
}

import type {RawResponse} from '../../client/http-json.js'
import {ERRORS, type ErrorCode, httpStatusForRet} from '../../protocol/index.js'
import {check} from '../expect.js'

// Assertions on raw HTTP answers of the short link and the qr group (PROTOCOL.md §3.2, §10).

export type Json = Record<string, unknown>

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function contentType(res: RawResponse): string {
  const t = res.headers['content-type']
  return Array.isArray(t) ? t.join(', ') : (t ?? '')
}

/** What the server answered, for failure messages. */
export function show(res: RawResponse): string {
  const text = res.text.length > 200 ? `${res.text.slice(0, 200)}… (${res.text.length} bytes)` : res.text
  return `HTTP ${res.status} ${text === '' ? '(empty body)' : text}`
}

export function bearer(token: string): Record<string, string> {
  return {authorization: `Bearer ${token}`}
}

/** A success answer: HTTP 200, JSON, `ret` 0. Returns the body. */
export function checkOk(res: RawResponse, what: string): Json {
  const body = res.json
  check(isObject(body) && body.ret === 0 && res.status === 200, `${what}: expected HTTP 200 with {ret: 0, …}, got ${show(res)}`)
  check(/^application\/json\b/i.test(contentType(res)), `${what}: answer content-type must be application/json, got "${contentType(res)}"`)
  return body
}

/** A failure answer: the envelope {ret, code, errMsg} of `code` with the HTTP status §3.2 gives its ret. */
export function checkFail(res: RawResponse, code: ErrorCode, what: string): {ret: number; code: string; errMsg: string} {
  const ret = ERRORS[code].ret
  const status = httpStatusForRet(ret)
  const body = res.json
  check(isObject(body), `${what}: expected HTTP ${status} {ret: ${ret}, code: "${code}", errMsg}, got ${show(res)}, which is not a JSON object`)
  check(body.ret === ret && body.code === code, `${what}: expected ret ${ret} ${code}, got ${show(res)}`)
  check(typeof body.errMsg === 'string', `${what}: the failure envelope must be {ret, code, errMsg} with a string errMsg, got ${show(res)}`)
  check(res.status === status, `${what}: ret ${ret} must travel with HTTP ${status}, got HTTP ${res.status}`)
  check(/^application\/json\b/i.test(contentType(res)), `${what}: answer content-type must be application/json, got "${contentType(res)}"`)
  return body as {ret: number; code: string; errMsg: string}
}

import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {closeCodeFor, ERROR_CODES, ERRORS, errorBody, ImhError, isErrorCode, isImhError, RET} from './errors.js'

describe('ERRORS table', () => {
  it('names every code IMH_ERR_ in upper snake case', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(0)
    for (const code of Object.keys(ERRORS)) {
      expect(code).toMatch(/^IMH_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*$/)
    }
  })

  it('lists every key in ERROR_CODES', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERRORS).sort())
  })

  it('gives every code an integer ret, a boolean fatal and a non-empty text', () => {
    for (const code of ERROR_CODES) {
      const e = ERRORS[code]
      expect(Number.isInteger(e.ret), code).toBe(true)
      expect(typeof e.fatal, code).toBe('boolean')
      expect(e.text.length, code).toBeGreaterThan(0)
    }
  })

  it('gives every fatal code a wire ret whose close code is in the 4000–4999 range', () => {
    for (const code of ERROR_CODES.filter((c) => ERRORS[c].fatal)) {
      expect(ERRORS[code].ret, code).not.toBe(0)
      const close = closeCodeFor(ERRORS[code].ret)
      expect(close, code).toBeGreaterThanOrEqual(4000)
      expect(close, code).toBeLessThanOrEqual(4999)
    }
  })

  it('maps the session family to the RET constants', () => {
    expect(RET.OK).toBe(0)
    expect(ERRORS.IMH_ERR_SESSION_INVALID.ret).toBe(RET.SESSION_INVALID)
    expect(ERRORS.IMH_ERR_KICKED.ret).toBe(RET.KICKED)
    expect(ERRORS.IMH_ERR_WRONG_NODE.ret).toBe(RET.WRONG_NODE)
  })

  it('isErrorCode recognises only table keys', () => {
    expect(isErrorCode('IMH_ERR_BAD_JSON')).toBe(true)
    expect(isErrorCode('IMH_ERR_NOPE')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
    expect(isErrorCode('__proto__')).toBe(false)
    expect(isErrorCode(42)).toBe(false)
    expect(isErrorCode(undefined)).toBe(false)
  })
})

describe('ImhError', () => {
  it('carries code, ret, fatal and the table text by default', () => {
    const err = new ImhError('IMH_ERR_FRAME_TOO_LARGE')
    expect(err).toBeInstanceOf(Error)
    expect(err).toBeInstanceOf(ImhError)
    expect(err.name).toBe('ImhError')
    expect(err.code).toBe('IMH_ERR_FRAME_TOO_LARGE')
    expect(err.ret).toBe(413)
    expect(err.fatal).toBe(true)
    expect(err.message).toBe(ERRORS.IMH_ERR_FRAME_TOO_LARGE.text)
    expect(err.details).toBeUndefined()
  })

  it('takes a custom message and details', () => {
    const err = new ImhError('IMH_ERR_BAD_BODY', 'AUTH: field "token" is required', {field: 'token'})
    expect(err.message).toBe('AUTH: field "token" is required')
    expect(err.details).toEqual({field: 'token'})
    expect(err.ret).toBe(400)
    expect(err.fatal).toBe(false)
  })

  it('agrees with the table for every code', () => {
    for (const code of ERROR_CODES) {
      const err = new ImhError(code)
      expect(err.code).toBe(code)
      expect(err.ret).toBe(ERRORS[code].ret)
      expect(err.fatal).toBe(ERRORS[code].fatal)
    }
  })

  it('has ret 0 for harness-only errors', () => {
    expect(new ImhError('IMH_ERR_TIMEOUT').ret).toBe(0)
    expect(new ImhError('IMH_ERR_PROTOCOL_VIOLATION').ret).toBe(0)
  })
})

describe('isImhError', () => {
  const err = new ImhError('IMH_ERR_KICKED')

  it('without a code, matches any ImhError', () => {
    expect(isImhError(err)).toBe(true)
  })

  it('with a code, matches only that code', () => {
    expect(isImhError(err, 'IMH_ERR_KICKED')).toBe(true)
    expect(isImhError(err, 'IMH_ERR_SESSION_INVALID')).toBe(false)
  })

  it('does not match other values', () => {
    expect(isImhError(new Error('IMH_ERR_KICKED'))).toBe(false)
    expect(isImhError({code: 'IMH_ERR_KICKED', ret: 1101})).toBe(false)
    expect(isImhError({code: 'IMH_ERR_KICKED'}, 'IMH_ERR_KICKED')).toBe(false)
    expect(isImhError(null)).toBe(false)
    expect(isImhError(undefined)).toBe(false)
    expect(isImhError('IMH_ERR_KICKED')).toBe(false)
  })
})

describe('errorBody', () => {
  it('builds exactly {ret, code, errMsg}', () => {
    const body = errorBody(new ImhError('IMH_ERR_UNKNOWN_USER', 'no user "bob"', {userId: 'bob'}))
    expect(body).toEqual({ret: 404, code: 'IMH_ERR_UNKNOWN_USER', errMsg: 'no user "bob"'})
    expect(Object.keys(body).sort()).toEqual(['code', 'errMsg', 'ret'])
  })

  it('uses the table text when no message was given, and survives JSON', () => {
    const body = errorBody(new ImhError('IMH_ERR_BAD_JSON'))
    expect(JSON.parse(JSON.stringify(body))).toEqual({ret: 400, code: 'IMH_ERR_BAD_JSON', errMsg: ERRORS.IMH_ERR_BAD_JSON.text})
  })
})

describe('closeCodeFor', () => {
  it.each([
    [400, 4400],
    [408, 4408],
    [413, 4413],
    [503, 4503],
    [1100, 4100],
    [1101, 4101],
    [1102, 4102],
  ])('ret %i → close code %i', (ret, close) => {
    expect(closeCodeFor(ret)).toBe(close)
  })
})

describe('PROTOCOL.md', () => {
  it('every error code is documented in PROTOCOL.md', () => {
    const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
    const missing = ERROR_CODES.filter((code) => !doc.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })
})

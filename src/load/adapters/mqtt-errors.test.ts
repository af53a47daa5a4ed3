import {describe, expect, it} from 'vitest'
import {errorCode} from '../scenarios/context.js'
import {connectError, sendError} from './mqtt-errors.js'

const withCode = (message: string, code: unknown): Error => Object.assign(new Error(message), {code})

describe('mqtt errors', () => {
  it('codes a CONNACK refusal of the credentials as IMH_ERR_BAD_CREDENTIALS, in 3.1.1 and 5.0', () => {
    for (const rc of [4, 5, 0x86, 0x87]) expect(errorCode(connectError(withCode('Connection refused', rc), 'mqtt://b'))).toBe('IMH_ERR_BAD_CREDENTIALS')
    for (const rc of [1, 2, 3, 0x88, 0x9f]) expect(errorCode(connectError(withCode('Connection refused', rc), 'mqtt://b'))).toBe('IMH_ERR_CONNECT_FAILED')
  })

  it('codes socket failures: refused → IMH_ERR_CONNECT_FAILED, timed out → IMH_ERR_TIMEOUT', () => {
    expect(errorCode(connectError(withCode('connect ECONNREFUSED', 'ECONNREFUSED'), 'mqtt://b'))).toBe('IMH_ERR_CONNECT_FAILED')
    expect(errorCode(connectError(withCode('connect ETIMEDOUT', 'ETIMEDOUT'), 'mqtt://b'))).toBe('IMH_ERR_TIMEOUT')
    expect(errorCode(connectError(new Error('connack timeout'), 'mqtt://b'))).toBe('IMH_ERR_CONNECT_FAILED')
    expect(connectError(new Error('x'), 'mqtt://b:1').message).toContain('mqtt://b:1')
  })

  it('codes a failed publish: connection gone → IMH_ERR_CONNECTION_CLOSED, a 5.0 reason code → IMH_ERR_SERVER_ERROR', () => {
    for (const m of ['Connection closed', 'No connection to broker', 'client disconnecting']) expect(errorCode(sendError(new Error(m), 't'))).toBe('IMH_ERR_CONNECTION_CLOSED')
    const refused = sendError(withCode('Publish error: Quota exceeded', 0x97), 'imh/b')
    expect(errorCode(refused)).toBe('IMH_ERR_SERVER_ERROR')
    expect(refused.details).toEqual({reasonCode: 0x97})
  })
})

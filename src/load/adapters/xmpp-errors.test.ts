import {describe, expect, it} from 'vitest'
import {ImhError} from '../../protocol/index.js'
import {connectError, xmppError} from './xmpp-errors.js'

const named = (name: string, condition?: string): Error => Object.assign(new Error(condition ?? name), {name, condition})

describe('xmpp errors', () => {
  it('codes SASL refusals as bad credentials, other SASL failures as server errors', () => {
    expect(connectError(named('SASLError', 'not-authorized'), 'xmpp://h:1').code).toBe('IMH_ERR_BAD_CREDENTIALS')
    expect(connectError(named('SASLError', 'account-disabled'), 'xmpp://h:1').code).toBe('IMH_ERR_BAD_CREDENTIALS')
    expect(connectError(named('SASLError', 'temporary-auth-failure'), 'xmpp://h:1').code).toBe('IMH_ERR_SERVER_ERROR')
  })

  it('codes time-outs, refused sockets and stream errors', () => {
    expect(connectError(named('TimeoutError'), 'x').code).toBe('IMH_ERR_TIMEOUT')
    expect(connectError(Object.assign(new Error('refused'), {code: 'ECONNREFUSED'}), 'x').code).toBe('IMH_ERR_CONNECT_FAILED')
    expect(connectError(named('StreamError', 'host-unknown'), 'x').code).toBe('IMH_ERR_CONNECT_FAILED')
    expect(connectError(new Error('anything else'), 'x').code).toBe('IMH_ERR_CONNECT_FAILED')
    expect(xmppError(named('StreamError', 'conflict'), 'x').code).toBe('IMH_ERR_KICKED')
    expect(xmppError(named('StreamError', 'system-shutdown'), 'x').code).toBe('IMH_ERR_CONNECTION_CLOSED')
    expect(xmppError(Object.assign(new Error('reset'), {code: 'ECONNRESET'}), 'x').code).toBe('IMH_ERR_CONNECTION_CLOSED')
  })

  it('keeps an ImhError as it is', () => {
    const e = new ImhError('IMH_ERR_INVALID_OPTION', 'no')
    expect(xmppError(e, 'x')).toBe(e)
  })
})

import {bool, check, integer, string} from '../profile/fields.js'
import {option} from '../scenarios/scenario-module.js'
import {defineAdapter} from './adapter.js'
import {useNativeScram} from './xmpp-scram.js'
import {XmppSession} from './xmpp-session.js'
import {expandUsername, parseXmppTarget, unknownPlaceholder} from './xmpp-target.js'

const usernameTemplate = check<string>('a non-empty account name, optionally with {username} and {index}', (v) =>
  typeof v === 'string' && v.trim() !== '' && unknownPlaceholder(v) === undefined ? v : undefined)

/**
 * XMPP (RFC 6120/6121) on @xmpp/client: a virtual client is an account that logs in with SASL,
 * binds a resource, enables XEP-0198 stream management and sends initial presence; it sends
 * `<message type='chat'>` to its peers' bare JIDs and pings the server with XEP-0199.
 * docs/adapters/xmpp.md tells how to run it against Prosody.
 */
export const xmppAdapter = defineAdapter({
  name: 'xmpp',
  description: 'XMPP client (RFC 6120/6121): SASL login, chat messages acknowledged by XEP-0198 stream management, XEP-0199 pings',
  schemes: ['xmpp', 'xmpps'],
  options: {
    domain: option({field: 'domain', check: string, defaultDoc: "the target's host", doc: 'the XMPP domain of the accounts (the JID after @), also the stream header\'s `to`'}),
    username: option({field: 'username', check: usernameTemplate, default: '{username}', doc: 'account name template: {username} is the harness\'s unique name of the client, {index} its index (e.g. `load{index}` for accounts made beforehand)'}),
    password: option({field: 'password', check: string, defaultDoc: "the harness's password of the client", doc: 'the accounts\' password'}),
    resource: option({field: 'resource', check: usernameTemplate, default: 'imh', doc: 'the resource each client binds (RFC 6120 §7), a template like `username`: clients sharing an account need `{index}` in it, or the server replaces one login by the next'}),
    streamManagement: option({field: 'streamManagement', check: bool, default: true, doc: 'use XEP-0198: send() resolves when the server acknowledged the message; a server that does not offer it is refused. false: send() resolves once written'}),
    register: option({field: 'register', check: bool, default: false, doc: 'create each account by XEP-0077 in-band registration before its first login (the server must allow it; an existing account is used as it is)'}),
    ackDelayMs: option({field: 'ackDelayMs', check: integer(0, 60_000), default: 0, doc: 'with stream management, ms after a send before asking for an ack (`<r/>`); sends within the window share one `<r/>`/`<a/>` pair'}),
  },
  guarantees: (o) => (o.streamManagement
    // XEP-0198: an acked stanza was handled by the server; unacked ones are resent after a
    // resumption and may have been handled already: at least once. RFC 6120 §10.1: a server
    // processes one stream's stanzas in order.
    ? {acknowledged: true, delivery: 'at-least-once', ordered: true}
    // Written to the socket only: a connection lost with bytes in flight loses them, nothing resends.
    : {acknowledged: false, delivery: 'at-most-once', ordered: true}),
  async connect(request) {
    useNativeScram()
    const o = request.options
    const target = parseXmppTarget(request.target)
    const session = new XmppSession({
      target,
      domain: o.domain ?? target.host,
      username: expandUsername(o.username, request),
      password: o.password ?? request.password,
      resource: expandUsername(o.resource, request),
      streamManagement: o.streamManagement,
      ackDelayMs: o.ackDelayMs,
      register: o.register,
      request,
    })
    await session.open()
    return session
  },
})

import {bool, oneOf} from '../profile/fields.js'
import {option, type OptionDecls, type ParsedOptions} from '../scenarios/scenario-module.js'
import {frameMatchField} from './json-ws-match.js'
import {jsonTemplateField, textTemplateField} from './json-ws-template.js'

const ADDRESS = textTemplateField(['username', 'index'])

/**
 * The json-ws adapter's options (`options.adapterOptions`): the frames of the user's protocol,
 * as templates and matches compiled when the profile is read, so a typo fails the run before it
 * starts and no message pays for parsing them.
 */
export const JSON_WS_OPTIONS = {
  address: option({
    field: 'address', check: ADDRESS, default: ADDRESS('{username}', 'address', 'json-ws defaults'),
    doc: 'the client\'s own address, what peers send to: {username} (unique per run and client) and {index}',
  }),
  login: option({
    field: 'login', check: jsonTemplateField(['address', 'username', 'password', 'index']),
    defaultDoc: 'nothing is sent: the connection is usable once open',
    doc: 'frame sent right after the connection opens (and again after a reconnect), e.g. {type: login, user: "{address}"}',
  }),
  loginReply: option({
    field: 'loginReply', check: frameMatchField({}),
    defaultDoc: 'connect resolves once login is sent',
    doc: 'the frame that accepts the login: connect waits for it (an `error` frame first refuses the login)',
  }),
  send: option({
    field: 'send', check: jsonTemplateField(['to', 'body', 'id', 'address']),
    // Required; the adapter refuses to start without it (a default protocol would only mislead).
    defaultDoc: 'required',
    doc: 'frame of one chat message: {to}, {body}, {id}, {address}; a string value that is exactly a placeholder becomes its value',
  }),
  ack: option({
    field: 'ack', check: frameMatchField({id: true}),
    defaultDoc: 'no acknowledgements: send resolves once written',
    doc: 'how an acknowledgement looks, and the path of the message id it acknowledges',
  }),
  incoming: option({
    field: 'incoming', check: frameMatchField({body: true}),
    defaultDoc: 'required',
    doc: 'how a message for this client looks, and the path of its body',
  }),
  ping: option({
    field: 'ping', check: jsonTemplateField(['n', 'address']),
    defaultDoc: 'WebSocket ping frames',
    doc: 'heartbeat frame; {n} counts 1, 2, … per connection (give pong.n to pair answers by it)',
  }),
  pong: option({
    field: 'pong', check: frameMatchField({n: false}),
    defaultDoc: 'WebSocket pong frames',
    doc: 'the heartbeat\'s answer; without n it answers the oldest heartbeat waiting',
  }),
  error: option({
    field: 'error', check: frameMatchField({id: false, message: false}),
    defaultDoc: 'no error frames recognised',
    doc: 'a server error frame: fails the send of id if it names one waiting, else counted as IMH_ERR_SERVER_ERROR',
  }),
  delivery: option({
    field: 'delivery', check: oneOf(['at-most-once', 'at-least-once', 'exactly-once'] as const), default: 'at-most-once',
    doc: 'what the server promises; the default claims only what any WebSocket relay gives, so duplicates count as faults and losses are not excused by a promise the server never made',
  }),
  ordered: option({field: 'ordered', check: bool, default: true, doc: 'the server delivers one sender\'s messages to one receiver in order'}),
} as const satisfies OptionDecls

export type JsonWsOptions = ParsedOptions<typeof JSON_WS_OPTIONS>

import {ImhError} from '../../protocol/index.js'
import {defineAdapter} from './adapter.js'
import {JSON_WS_OPTIONS, type JsonWsOptions} from './json-ws-options.js'
import {JsonWsSession} from './json-ws-session.js'

const FIELD = 'options.adapterOptions'

/**
 * What no single option's check can see: the options a protocol cannot do without, and those
 * that only make sense together. Throws IMH_ERR_INVALID_OPTION naming the field. OptionSpec has
 * no "required", so this runs from `guarantees` (read when the run starts) and `connect`.
 */
export function checkJsonWsOptions(o: JsonWsOptions): void {
  const bad = (field: string, msg: string): never => {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `${FIELD}.${field}: ${msg}`, {option: `${FIELD}.${field}`})
  }
  if (!o.send) bad('send', 'required: the frame of one chat message, e.g. {type: msg, to: "{to}", id: "{id}", body: "{body}"}')
  if (!o.incoming) bad('incoming', 'required: how a message for this client looks, e.g. {match: {$.type: msg}, body: $.body}')
  if (!o.send!.uses.has('body')) bad('send', 'does not use {body}: the receiver could not tell messages apart')
  if (!o.send!.uses.has('to')) bad('send', 'does not use {to}: the server could not tell where a message goes')
  if (o.ack && !o.send!.uses.has('id')) bad('ack', 'acks name the message they acknowledge, so send must carry {id}')
  if (o.loginReply && !o.login) bad('loginReply', 'a login reply needs a login frame (login) to answer')
  if (o.ping && !o.pong) bad('ping', 'a ping frame needs pong: how its answer looks')
  if (o.pong && !o.ping) bad('pong', 'a pong match needs ping: the frame it answers')
  if (o.pong?.get.n && !o.ping!.uses.has('n')) bad('pong.n', 'pairs answers by n, so ping must carry {n}')
}

/**
 * The JSON-over-WebSocket adapter: for the many chat servers that speak their own JSON frames on
 * a WebSocket. The frames (login, send, ack, incoming, ping, pong, error) are described in the
 * profile as templates and JSONPath matches (docs/adapters/json-ws.md); the guarantees are the
 * user's to declare, since the server is theirs.
 */
export const jsonWsAdapter = defineAdapter({
  name: 'json-ws',
  description: 'JSON frames over a WebSocket, described in the profile (templates and JSONPath matches)',
  schemes: ['ws', 'wss'],
  options: JSON_WS_OPTIONS,
  guarantees(o) {
    checkJsonWsOptions(o)
    return {acknowledged: o.ack !== undefined, delivery: o.delivery, ordered: o.ordered}
  },
  async connect(request) {
    checkJsonWsOptions(request.options)
    return new JsonWsSession(request, request.options).start()
  },
})

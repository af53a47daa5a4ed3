import {createServer} from 'node:https'
import {WebSocketServer, type WebSocket} from 'ws'

/**
 * Ways to make the chat server misbehave, changed while it runs. Each is what a real custom
 * server does on a bad day, so the tests can show what the json-ws adapter reports then.
 */
export interface ChatKnobs {
  /** Acks not sent (the message is still delivered). */
  dropAcks: boolean
  /** Every delivery sent twice. */
  duplicate: boolean
  /** Deliveries swapped in pairs: the first of two held until the second went. */
  reorder: boolean
  /** Logins of these users refused with an error frame. */
  refuse: Set<string>
  /** Pings not answered. */
  dropPongs: boolean
  /** Each login announced to everyone online (the chatter a client must ignore); a benchmark turns it off: it is n² frames for n logins. */
  presence: boolean
}

/** A small JSON chat server on a `ws` WebSocketServer (over TLS when given a cert), for the json-ws adapter's tests. */
export interface JsonChatServer {
  url: string
  knobs: ChatKnobs
  /** Logins per user, counted (a reconnect logs in again). */
  logins: Map<string, number>
  /** Closes every client connection (code 1012, service restart); the server keeps listening. */
  dropAll(): void
  close(): Promise<void>
}

/**
 * The protocol (one JSON object per text message):
 * - `{type: 'login', user}` → `{type: 'welcome', user}` (or `{type: 'error', message}` when refused);
 * - `{type: 'msg', to, id, body}` → `{type: 'ack', id}` to the sender, `{type: 'msg', from, body}`
 *   to every connection of `to` (kept until `to` logs in when it has none); an empty `to` →
 *   `{type: 'error', id, message}`;
 * - `{type: 'ping', n}` → `{type: 'pong', n}`; anything else → `{type: 'error', message}`.
 * It also sends `{type: 'presence', user}` to everyone on each login, chatter a client ignores.
 */
export async function startJsonChatServer(tls?: {cert: Buffer; key: Buffer}): Promise<JsonChatServer> {
  const https = tls && createServer(tls)
  const wss = https ? new WebSocketServer({server: https}) : new WebSocketServer({host: '127.0.0.1', port: 0})
  if (https) await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()))
  else await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const knobs: ChatKnobs = {dropAcks: false, duplicate: false, reorder: false, refuse: new Set(), dropPongs: false, presence: true}
  const logins = new Map<string, number>()
  const online = new Map<string, Set<WebSocket>>()
  const offline = new Map<string, string[]>()
  const held = new Map<WebSocket, string>()

  const deliver = (ws: WebSocket, text: string): void => {
    const first = held.get(ws)
    if (knobs.reorder && first === undefined) return void held.set(ws, text)
    held.delete(ws)
    for (let i = 0; i < (knobs.duplicate ? 2 : 1); i++) ws.send(text)
    if (first !== undefined) for (let i = 0; i < (knobs.duplicate ? 2 : 1); i++) ws.send(first)
  }

  wss.on('connection', (ws) => {
    let user: string | undefined
    ws.on('close', () => {
      if (user) online.get(user)?.delete(ws)
      held.delete(ws)
    })
    ws.on('message', (data) => {
      let m: Record<string, unknown>
      try {
        m = JSON.parse(data.toString())
      } catch {
        return void ws.send('not json, ignored')
      }
      if (m.type === 'login' && typeof m.user === 'string') {
        if (knobs.refuse.has(m.user)) return void ws.send(JSON.stringify({type: 'error', message: 'bad credentials'}))
        user = m.user
        logins.set(user, (logins.get(user) ?? 0) + 1)
        if (!online.has(user)) online.set(user, new Set())
        online.get(user)!.add(ws)
        ws.send(JSON.stringify({type: 'welcome', user}))
        for (const text of offline.get(user) ?? []) deliver(ws, text)
        offline.delete(user)
        if (knobs.presence) for (const set of online.values()) for (const peer of set) if (peer !== ws) peer.send(JSON.stringify({type: 'presence', user}))
      } else if (m.type === 'msg' && user) {
        if (typeof m.to !== 'string' || m.to === '') return void ws.send(JSON.stringify({type: 'error', id: m.id, message: 'no such user'}))
        const text = JSON.stringify({type: 'msg', from: user, body: m.body})
        const peers = online.get(m.to)
        if (peers?.size) for (const peer of peers) deliver(peer, text)
        else offline.set(m.to, [...offline.get(m.to) ?? [], text])
        if (!knobs.dropAcks) ws.send(JSON.stringify({type: 'ack', id: m.id}))
      } else if (m.type === 'ping') {
        if (!knobs.dropPongs) ws.send(JSON.stringify({type: 'pong', n: m.n}))
      } else ws.send(JSON.stringify({type: 'error', message: `unexpected ${String(m.type)}`}))
    })
  })

  const port = ((https ?? wss).address() as {port: number}).port
  return {
    url: `${https ? 'wss' : 'ws'}://127.0.0.1:${port}/chat`,
    knobs,
    logins,
    dropAll() {
      for (const ws of wss.clients) ws.close(1012, 'restart')
    },
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate()
      wss.close(() => (https ? https.close(() => resolve()) : resolve()))
    }),
  }
}

/** The adapterOptions that speak this server's protocol, every frame kind described. */
export const CHAT_OPTIONS = {
  login: {type: 'login', user: '{address}'},
  loginReply: {match: {'$.type': 'welcome'}},
  send: {type: 'msg', to: '{to}', id: '{id}', body: '{body}'},
  ack: {match: {'$.type': 'ack'}, id: '$.id'},
  incoming: {match: {'$.type': 'msg'}, body: '$.body'},
  ping: {type: 'ping', n: '{n}'},
  pong: {match: {'$.type': 'pong'}, n: '$.n'},
  error: {match: {'$.type': 'error'}, id: '$.id', message: '$.message'},
}

/** The least this server needs: login, send, incoming (no acks, WebSocket-level pings). */
export const MINIMAL_CHAT_OPTIONS = {
  login: {type: 'login', user: '{address}'},
  send: {type: 'msg', to: '{to}', id: '{id}', body: '{body}'},
  incoming: {match: {'$.type': 'msg'}, body: '$.body'},
}

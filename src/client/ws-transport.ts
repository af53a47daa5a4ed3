import WebSocket from 'ws'
import {type LinkTransport, type TransportSink, ownSocket} from './link-transport.js'
import {openWebSocket} from './open-web-socket.js'

const SINK = Symbol('imh.sink')
type SinkSocket = WebSocket & {[SINK]: TransportSink}
function onSocketMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  ;(this as SinkSocket)[SINK].onMessage(data as Buffer, isBinary)
}
function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  ;(this as SinkSocket)[SINK].onClose(code, reason.toString())
}

/** The long link over a WebSocket: one frame per binary message (PROTOCOL.md §4.2). */
export class WsTransport implements LinkTransport {
  constructor(readonly ws: WebSocket) {}

  get kind(): 'ws' {
    return 'ws'
  }

  get url(): string {
    return this.ws.url
  }

  /** Delivers the socket's messages and its close to `sink` from now on. */
  attach(sink: TransportSink): void {
    ownSocket(this.ws, SINK, sink, {message: onSocketMessage, close: onSocketClose})
  }

  send(frame: Buffer): void {
    this.ws.send(frame)
  }

  sendRaw(data: Buffer | string): void {
    this.ws.send(data, {binary: typeof data !== 'string'})
  }

  close(code: number): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code)
  }

  terminate(): void {
    this.ws.terminate()
  }
}

/** Opens a WebSocket transport; `adopt` runs before any message can arrive (see openWebSocket). */
export function openWsTransport<T>(url: string, options: WebSocket.ClientOptions, timeoutMs: number, what: string, adopt: (t: WsTransport) => T): Promise<T> {
  return openWebSocket(url, options, timeoutMs, what, (ws) => adopt(new WsTransport(ws)))
}

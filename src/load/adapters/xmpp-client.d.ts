/**
 * The part of `@xmpp/client` 0.14 (which ships no types) that the xmpp adapter uses. Shapes are
 * taken from the library's source (connection/index.js, stream-management/index.js,
 * iq/caller.js); keep this file to what the adapter touches.
 */
declare module '@xmpp/client' {
  import type {EventEmitter} from 'node:events'

  export interface XmlElement {
    name: string
    attrs: Record<string, string | undefined>
    children: Array<XmlElement | string>
    is(name: string, xmlns?: string): boolean
    getChild(name: string, xmlns?: string): XmlElement | undefined
    getChildText(name: string, xmlns?: string): string | null
    toString(): string
  }

  export function xml(name: string, attrs?: Record<string, string | number | undefined> | null, ...children: Array<XmlElement | string | undefined>): XmlElement

  export interface Jid {
    bare(): Jid
    toString(): string
  }

  export interface StreamManagement extends EventEmitter {
    enabled: boolean
    id: string
    outbound: number
    inbound: number
    /** ms to wait after a stanza before sending `<r/>` (debounced). */
    requestAckDebounce: number
    /** ms between idle `<r/>`s. */
    requestAckInterval: number
    /** ms an `<r/>` may go unanswered before the connection is dropped. */
    timeout: number
  }

  export interface XmppClient extends EventEmitter {
    status: string
    jid: Jid | null
    timeout: number
    options: {service: string; domain: string; lang?: string}
    streamManagement: StreamManagement
    reconnect: {stop(): void}
    iqCaller: {request(stanza: XmlElement, timeout?: number): Promise<XmlElement>}
    socketParameters(service: string): Record<string, unknown> | undefined
    start(): Promise<Jid>
    stop(): Promise<unknown>
    connect(service: string): Promise<unknown>
    open(options: {domain: string; lang?: string}): Promise<unknown>
    disconnect(): Promise<unknown>
    send(element: XmlElement): Promise<void>
  }

  export type Authenticate = (credentials: {username: string; password: string}, mechanism: string) => Promise<void>

  export function client(options: {
    service: string
    domain: string
    resource?: string
    credentials?: (authenticate: Authenticate, mechanisms: string[]) => Promise<void>
    timeout?: number
  }): XmppClient
}

/** The helpers of the SCRAM-SHA-1 mechanism @xmpp/client uses (a CommonJS module: its exports object). */
declare module 'sasl-scram-sha-1/lib/bitops.js' {
  const bitops: {Hi(text: string, salt: Uint8Array, iterations: number): Promise<Uint8Array>}
  export default bitops
}

import {type GroupDouble, type Tamper, startGroupDouble} from './group-proxy.js'

export type {Forward, ProxyAnswer, ProxyRequest} from './group-proxy.js'
export type QrTamper = Tamper
export type QrDouble = GroupDouble

/** A broken qr group: the reference server's behind a proxy that lets `tamper` rewrite chosen exchanges. */
export function startQrDouble(tamper: QrTamper = (req, forward) => forward(req), options: {qr?: boolean} = {}): Promise<QrDouble> {
  return startGroupDouble(tamper, {group: 'qr', list: (proxy) => (options.qr === false ? [] : [proxy])})
}

import {type GroupDouble, type Tamper, startGroupDouble} from './group-proxy.js'

export type {Forward as MediaForward, ProxyAnswer as MediaAnswer, ProxyRequest as MediaRequest} from './group-proxy.js'
export type MediaTamper = Tamper
export type MediaDouble = GroupDouble

/**
 * A broken media group: the reference server's behind a proxy that lets `tamper` rewrite chosen
 * exchanges. The scheduler lists the proxy first and the real group after it, since /profile's
 * avatar URLs point at the real one; `listReal: false` lists the proxy alone (then avatar URLs are
 * outside the group), `media: false` no media group at all.
 */
export function startMediaDouble(tamper: MediaTamper = (req, forward) => forward(req), options: {media?: boolean; listReal?: boolean} = {}): Promise<MediaDouble> {
  return startGroupDouble(tamper, {group: 'media', list: (proxy, real) => (options.media === false ? [] : options.listReal === false ? [proxy] : [proxy, real])})
}

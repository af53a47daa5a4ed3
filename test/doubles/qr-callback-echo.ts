import {QR_PATHS, isValidCallback} from '../../src/protocol/index.js'
import type {QrTamper} from './qr-proxy.js'

/**
 * Broken double (PROTOCOL.md §10.3): any callback name is echoed as script, as naive JSONP
 * servers do, so `callback=alert(1)//` runs the attacker's code on the page that loads it.
 */
export const callbackEcho: QrTamper = async (req, forward) => {
  const callback = req.url.searchParams.get('callback')
  if (req.url.pathname !== QR_PATHS.check || callback === null || isValidCallback(callback)) return forward(req)
  const url = new URL(req.url)
  url.searchParams.delete('callback')
  const answer = await forward({...req, url})
  return {status: 200, headers: {'content-type': 'application/javascript'}, body: Buffer.from(`${callback}(${answer.body.toString('utf8')});`)}
}

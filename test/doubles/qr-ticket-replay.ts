import {QR_PATHS} from '../../src/protocol/index.js'
import type {ProxyAnswer, QrTamper} from './qr-proxy.js'

/** Broken double (PROTOCOL.md §10.5): a used ticket is answered again with the session it gave first. */
export function ticketReplay(): QrTamper {
  const used = new Map<string, ProxyAnswer>()
  return async (req, forward) => {
    if (req.url.pathname !== QR_PATHS.login) return forward(req)
    const ticket = req.url.searchParams.get('ticket') ?? ''
    const first = used.get(ticket)
    if (first) return first
    const answer = await forward(req)
    if (answer.status === 200) used.set(ticket, answer)
    return answer
  }
}

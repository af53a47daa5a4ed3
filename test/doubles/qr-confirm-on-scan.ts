import {QR_PATHS} from '../../src/protocol/index.js'
import type {QrTamper} from './qr-proxy.js'

/**
 * Broken double (PROTOCOL.md §10.1, §10.3): a scan logs the browser in at once. The phone's
 * scan is followed by a confirm the user never gave, so polls answer 200 without a confirm.
 */
export const confirmOnScan: QrTamper = async (req, forward) => {
  const answer = await forward(req)
  if (req.url.pathname === QR_PATHS.scan && answer.status === 200) {
    const {uuid} = JSON.parse(answer.body.toString('utf8')) as {uuid: string}
    await forward({...req, url: new URL(QR_PATHS.confirm, req.url), body: Buffer.from(JSON.stringify({uuid}))})
  }
  return answer
}

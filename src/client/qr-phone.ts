import {QR_PATHS, type QrScanReply, parseQrScanReply} from '../protocol/index.js'
import {type RawResponse, envelopeBody, rawRequest} from './http-json.js'
import {groupUrl} from './group-url.js'
import type {QrClientOptions} from './qr-browser.js'

/**
 * The phone side of QR-code web login (PROTOCOL.md §10.4): a user logged in on the short link
 * scans a login code and confirms or cancels it with the short-link token.
 */
export class QrPhone {
  private readonly timeoutMs: number

  /** `token` undefined sends no Authorization header. */
  constructor(readonly baseUrl: string, public token: string | undefined, private readonly options: QrClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  async scan(qrText: string): Promise<QrScanReply> {
    return parseQrScanReply(envelopeBody(await this.raw(QR_PATHS.scan, {qrText}), `POST ${QR_PATHS.scan}`))
  }

  async confirm(uuid: string): Promise<void> {
    envelopeBody(await this.raw(QR_PATHS.confirm, {uuid}), `POST ${QR_PATHS.confirm}`)
  }

  async cancel(uuid: string): Promise<void> {
    envelopeBody(await this.raw(QR_PATHS.cancel, {uuid}), `POST ${QR_PATHS.cancel}`)
  }

  /** POSTs `body` as JSON with this phone's token, no envelope handling: what conformance cases need. */
  raw(path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
    const auth: Record<string, string> = this.token === undefined ? {} : {authorization: `Bearer ${this.token}`}
    return rawRequest('POST', groupUrl(this.baseUrl, path), {body: JSON.stringify(body), headers: {'content-type': 'application/json', ...auth, ...headers}},
      {dispatcher: this.options.dispatcher, timeoutMs: this.timeoutMs, trace: this.options.trace})
  }
}

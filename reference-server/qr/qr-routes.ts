import {readFile} from 'node:fs/promises'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {join} from 'node:path'
import QRCode from 'qrcode'
import {
  ImhError, QR_PATHS, QR_UUID_PATTERN, type QrCheckReply, type QrNewReply, type QrScanReply, type QrSessionReply, type QrTicketReply,
  checkShape, isImhError, isValidCallback, qrTextFor, uuidFromQrText,
} from '../../src/protocol/index.js'
import {packageRoot} from '../../src/common/package-root.js'
import {authenticate, bearerToken, profileOf} from '../core/session.js'
import {readJsonBody, sendJson} from '../http/json-server.js'
import {type HttpRoute, jsonRoute} from '../http/route.js'
import type {Store} from '../store/store.js'
import type {QrLimits} from './limits.js'
import type {QrLoginStore, QrView} from './qr-login-store.js'
import {QrLogins} from './qr-state.js'

export interface QrOptions {
  store: Store
  limits: QrLimits
  /** This group's base URL as clients reach it (`http://host:port`), for the absolute URLs it hands out. */
  publicBase: () => string
  /** Base URL of the media group for avatar URLs, as the short link uses it; empty when none. */
  mediaBase: () => string
  /** Uuids, tickets and web sessions (the QR_LOGINS store); default a QrLogins of this process with the limits. */
  logins?: QrLoginStore
}

/** The qr group's state and routes. */
export interface QrService {
  logins: QrLoginStore
  routes: HttpRoute[]
}

const PAGE_FILES: Record<string, [file: string, type: string]> = {
  [QR_PATHS.page]: ['index.html', 'text/html; charset=utf-8'],
  [`${QR_PATHS.page}login.js`]: ['login.js', 'application/javascript; charset=utf-8'],
}
const IMAGE_PATH = new RegExp(`^${QR_PATHS.image}([A-Za-z0-9_-]{22,64})\\.png$`)
const PROMPT = 'Log in to imharness on the web with this account?'

function send(res: ServerResponse, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, {'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers})
  res.end(body)
}

/** The qr group (PROTOCOL.md §10): QR-code web login for browsers, confirmed by a logged-in phone. */
export function createQrService(options: QrOptions): QrService {
  const {store, limits} = options
  const logins = options.logins ?? new QrLogins({ttlSeconds: limits.qrTtlSeconds, holdMs: limits.qrHoldMs, maxLogins: limits.qrMaxLogins})

  // §10.4: a superseded phone token is simply not a session here; the kick is the long link's business.
  async function phoneUser(req: IncomingMessage): Promise<string> {
    try {
      return await authenticate(store, req)
    } catch (err) {
      if (isImhError(err, 'IMH_ERR_KICKED')) throw new ImhError('IMH_ERR_SESSION_INVALID', 'this token was replaced by a newer login')
      throw err
    }
  }

  async function phoneBody(req: IncomingMessage, what: string): Promise<Record<string, unknown>> {
    return checkShape(await readJsonBody(req, limits.shortMaxBodyBytes, true), {}, 'IMH_ERR_BAD_REQUEST', what)
  }

  async function uuidOf(req: IncomingMessage, what: string): Promise<string> {
    return checkShape<{uuid: string}>(await phoneBody(req, what), {uuid: 'string'}, 'IMH_ERR_BAD_REQUEST', what).uuid
  }

  async function checkReply(view: QrView): Promise<QrCheckReply> {
    if (view.code === 201) {
      const user = await store.getUser(view.userId)
      return {code: 201, avatarUrl: user ? profileOf(user, options.mediaBase()).avatarUrl : '', nickname: user?.nickname ?? ''}
    }
    if (view.code === 200) return {code: 200, redirectUrl: `${options.publicBase()}${QR_PATHS.login}?ticket=${view.ticket}`}
    return {code: view.code}
  }

  const routes: HttpRoute[] = [
    // The page's address without its slash, for any method: the browser is sent on.
    {method: '*', path: '/qr', handle: async (_req, res) => void res.writeHead(301, {location: QR_PATHS.page}).end()},
    jsonRoute({method: 'GET', path: QR_PATHS.new}, async () => {
      const {uuid} = await logins.create()
      const reply: QrNewReply = {ret: 0, uuid, qrText: qrTextFor(uuid), qrImageUrl: `${options.publicBase()}${QR_PATHS.image}${uuid}.png`, ttlSeconds: limits.qrTtlSeconds, holdMs: limits.qrHoldMs}
      return reply
    }),
    {method: 'GET', path: QR_PATHS.check, handle: async (_req, res, {url}) => {
      const callback = url.searchParams.get('callback')
      // Never echo a refused name: the answer could be loaded as a script.
      if (callback !== null && !isValidCallback(callback)) throw new ImhError('IMH_ERR_BAD_CALLBACK', 'callback must be a dotted JavaScript identifier (PROTOCOL.md §10.3)')
      const uuid = url.searchParams.get('uuid') ?? ''
      const last = Number(url.searchParams.get('last') ?? 0)
      // An abandoned poll must not stay held until its hold runs out.
      const gone = new AbortController()
      res.once('close', () => gone.abort())
      const view = await logins.waitForChange(QR_UUID_PATTERN.test(uuid) ? uuid : '', Number.isInteger(last) ? last : 0, limits.qrHoldMs, gone.signal)
      if (gone.signal.aborted) return
      const reply = await checkReply(view)
      if (res.destroyed) return
      if (callback === null) sendJson(res, 200, reply)
      else send(res, 'application/javascript; charset=utf-8', `${callback}(${JSON.stringify(reply)});`)
    }},
    jsonRoute({method: 'POST', path: QR_PATHS.scan}, async (req) => {
      const userId = await phoneUser(req)
      const uuid = uuidFromQrText((await phoneBody(req, 'scan body')).qrText)
      await logins.scan(uuid, userId)
      const reply: QrScanReply = {ret: 0, uuid, prompt: PROMPT}
      return reply
    }),
    jsonRoute({method: 'POST', path: QR_PATHS.confirm}, async (req) => {
      const userId = await phoneUser(req)
      await logins.confirm(await uuidOf(req, 'confirm body'), userId)
      return {}
    }),
    jsonRoute({method: 'POST', path: QR_PATHS.cancel}, async (req) => {
      const userId = await phoneUser(req)
      await logins.cancel(await uuidOf(req, 'cancel body'), userId)
      return {}
    }),
    jsonRoute({method: 'GET', path: QR_PATHS.login}, async (_req, url) => {
      const reply: QrTicketReply = {ret: 0, ...(await logins.redeemTicket(url.searchParams.get('ticket') ?? ''))}
      return reply
    }),
    jsonRoute({method: 'GET', path: QR_PATHS.session}, async (req) => {
      const userId = await logins.session(bearerToken(req))
      const user = userId === undefined ? undefined : await store.getUser(userId)
      if (!user) throw new ImhError('IMH_ERR_SESSION_INVALID', 'web token unknown or expired')
      const reply: QrSessionReply = {ret: 0, userId: user.userId, nickname: user.nickname}
      return reply
    }),
    ...Object.entries(PAGE_FILES).map(([path, [file, type]]): HttpRoute => ({method: 'GET', path, handle: async (_req, res) => {
      let body: Buffer
      try {
        // Read per request: the page is edited on its own, and a restart should not be needed.
        body = await readFile(join(packageRoot(), 'reference-server', 'qr-page', file))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        throw new ImhError('IMH_ERR_NOT_FOUND', `the login page is not installed (reference-server/qr-page/${file})`)
      }
      send(res, type, body, {'x-frame-options': 'DENY'})
    }})),
    {method: 'GET', path: `${QR_PATHS.image}*`, handle: async (_req, res, {url}) => {
      const uuid = IMAGE_PATH.exec(url.pathname)?.[1]
      if (!uuid || (await logins.state(uuid)) === 'expired') throw new ImhError('IMH_ERR_QR_UNKNOWN', 'no such QR login, or it expired')
      const png = await QRCode.toBuffer(qrTextFor(uuid), {type: 'png', margin: 2, scale: 6})
      send(res, 'image/png', png)
    }},
  ]

  return {logins, routes}
}

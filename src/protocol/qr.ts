import {ImhError} from './errors.js'
import {defineProtocolFlow} from './flow-contract.js'
import {checkShape} from './shape.js'

/** QR-code web login (PROTOCOL.md §10): paths under the qr group's base URL. */
export const QR_PATHS = {
  page: '/qr/',
  new: '/qr/new',
  image: '/qr/image/',
  check: '/qr/check',
  scan: '/qr/scan',
  confirm: '/qr/confirm',
  cancel: '/qr/cancel',
  login: '/qr/login',
  session: '/qr/session',
} as const

export const QR_VERIFICATION_PREFIX = 'imh-login:'
export const QR_UUID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/
export const QR_CALLBACK_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}(\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,3}$/
/**
 * A QR code's lifetime, the reference server's default (§10.1): 90 s, as the idle time-out, so that
 * `imh conform` with its default --max-wait (120 s) waits it out against a default `imh serve`;
 * a person scans and confirms within seconds, and the page asks for a new code after it.
 */
export const QR_DEFAULT_TTL_SECONDS = 90
export const QR_DEFAULT_HOLD_MS = 25_000

/** Poll codes (§10.3). */
export const QR_CODE = {TIMEOUT: 408, SCANNED: 201, CONFIRMED: 200, CANCELLED: 202, EXPIRED: 400} as const
export type QrCode = (typeof QR_CODE)[keyof typeof QR_CODE]
export type QrState = 'waiting' | 'scanned' | 'confirmed' | 'cancelled' | 'expired'

export interface QrNewReply { ret: 0; uuid: string; qrText: string; qrImageUrl: string; ttlSeconds: number; holdMs: number }
export type QrCheckReply =
  | {code: 408}
  | {code: 201; avatarUrl: string; nickname: string}
  | {code: 200; redirectUrl: string}
  | {code: 202}
  | {code: 400}
export interface QrScanReply { ret: 0; uuid: string; prompt: string }
export interface QrTicketReply { ret: 0; userId: string; webToken: string; expiresIn: number }
export interface QrSessionReply { ret: 0; userId: string; nickname: string }

export function qrTextFor(uuid: string): string {
  return QR_VERIFICATION_PREFIX + uuid
}

/** The uuid in a scanned text, or IMH_ERR_QR_BAD_CODE. */
export function uuidFromQrText(text: unknown): string {
  if (typeof text !== 'string' || !text.startsWith(QR_VERIFICATION_PREFIX)) {
    throw new ImhError('IMH_ERR_QR_BAD_CODE', `scanned text must start with "${QR_VERIFICATION_PREFIX}"`)
  }
  const uuid = text.slice(QR_VERIFICATION_PREFIX.length)
  if (!QR_UUID_PATTERN.test(uuid)) throw new ImhError('IMH_ERR_QR_BAD_CODE', 'scanned text does not end with a login uuid')
  return uuid
}

export function isValidCallback(name: string): boolean {
  return QR_CALLBACK_PATTERN.test(name)
}

const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'
export const parseQrNewReply = (v: unknown) => checkShape<QrNewReply>(v, {ret: 'int', uuid: 'string', qrText: 'string', qrImageUrl: 'string', ttlSeconds: 'uint', holdMs: 'uint'}, OFF, 'qr new reply')
export const parseQrScanReply = (v: unknown) => checkShape<QrScanReply>(v, {ret: 'int', uuid: 'string', prompt: 'string'}, OFF, 'qr scan reply')
export const parseQrTicketReply = (v: unknown) => checkShape<QrTicketReply>(v, {ret: 'int', userId: 'string', webToken: 'string', expiresIn: 'uint'}, OFF, 'qr ticket reply')
export const parseQrSessionReply = (v: unknown) => checkShape<QrSessionReply>(v, {ret: 'int', userId: 'string', nickname: 'string'}, OFF, 'qr session reply')

export function parseQrCheckReply(v: unknown): QrCheckReply {
  const r = checkShape<{code: number}>(v, {code: 'int'}, OFF, 'qr check reply')
  switch (r.code) {
    case 201: return checkShape(v, {code: 'int', avatarUrl: 'string', nickname: 'string'}, OFF, 'qr check 201') as QrCheckReply
    case 200: return checkShape(v, {code: 'int', redirectUrl: 'string'}, OFF, 'qr check 200') as QrCheckReply
    case 408: case 202: case 400: return {code: r.code}
    default: throw new ImhError(OFF, `qr check answered code ${r.code}; expected 408, 201, 200, 202 or 400`)
  }
}

/** QR-code web login (§10), served over HTTP on the qr group. */
export const qrFlow = defineProtocolFlow({
  name: 'qr',
  title: 'QR-code web login',
  sections: ['10'],
  groups: [{name: 'qr', schemes: ['http:', 'https:']}],
  shortRoutes: {},
  commands: [],
  errors: [
    'IMH_ERR_QR_UNKNOWN', 'IMH_ERR_QR_BAD_CODE', 'IMH_ERR_QR_EXPIRED', 'IMH_ERR_QR_STATE', 'IMH_ERR_QR_NOT_SCANNED',
    'IMH_ERR_QR_WRONG_USER', 'IMH_ERR_QR_TICKET_INVALID', 'IMH_ERR_QR_TICKET_USED', 'IMH_ERR_QR_BUSY', 'IMH_ERR_BAD_CALLBACK',
  ],
  syncCategories: [],
  limits: [],
})

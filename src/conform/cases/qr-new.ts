import {QR_PATHS, QR_UUID_PATTERN, qrTextFor} from '../../protocol/index.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {checkFail, checkOk, contentType, show} from './http-expect.js'
import {newLogin, qrHref, unknownUuid} from './qr-util.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Logins the entropy case asks for: enough that every symbol of the alphabet shows up. */
const ENTROPY_SAMPLES = 32

/**
 * Random bits the uuids seem to carry: the positions that vary between them, times the bits of
 * the alphabet they use. A counter or a clock varies in few positions; 16 random bytes as
 * base64url vary in all 22.
 */
function estimateRandomBits(uuids: readonly string[]): number {
  const length = Math.min(...uuids.map((u) => u.length))
  const alphabet = new Set(uuids.join('')).size
  let varying = 0
  for (let i = 0; i < length; i++) if (new Set(uuids.map((u) => u[i])).size > 1) varying++
  return varying * Math.log2(alphabet)
}

function sameUrl(a: unknown, b: string): boolean {
  try {
    return typeof a === 'string' && new URL(a).href === new URL(b).href
  } catch {
    return false
  }
}

export const qrNewCases: readonly CaseDefinition[] = [
  {
    id: 'qr.new-login',
    section: '10.2',
    level: 'MUST',
    requirement: 'GET /qr/new answers {ret: 0, uuid, qrText, qrImageUrl, ttlSeconds, holdMs}: qrText is imh-login: + uuid, qrImageUrl is QR/qr/image/<uuid>.png',
    async run(ctx) {
      const what = `GET ${QR_PATHS.new}`
      const body = checkOk(await ctx.qrBrowser().raw('GET', QR_PATHS.new), what)
      const uuid = body.uuid
      check(typeof uuid === 'string' && QR_UUID_PATTERN.test(uuid), `${what}: uuid must be 22 to 64 characters of A-Za-z0-9_-, got ${JSON.stringify(uuid)}`)
      checkEqual(body.qrText, qrTextFor(uuid), `${what}: qrText (the verification string followed by the uuid)`)
      const image = qrHref(ctx, `${QR_PATHS.image}${uuid}.png`)
      check(sameUrl(body.qrImageUrl, image), `${what}: qrImageUrl must be the absolute URL ${image}, got ${JSON.stringify(body.qrImageUrl)}`)
      check(Number.isSafeInteger(body.ttlSeconds) && (body.ttlSeconds as number) > 0, `${what}: ttlSeconds must be an integer > 0, got ${JSON.stringify(body.ttlSeconds)}`)
      check(Number.isSafeInteger(body.holdMs) && (body.holdMs as number) > 0, `${what}: holdMs must be an integer > 0, got ${JSON.stringify(body.holdMs)}`)
    },
  },
  {
    id: 'qr.uuid-entropy',
    section: '10.1',
    level: 'MUST',
    requirement: `${ENTROPY_SAMPLES} new logins get distinct uuids that vary enough to carry at least 128 random bits`,
    async run(ctx) {
      const browser = ctx.qrBrowser()
      const uuids = (await Promise.all(Array.from({length: ENTROPY_SAMPLES}, () => newLogin(browser)))).map((l) => l.uuid)
      const distinct = new Set(uuids).size
      check(distinct === uuids.length, `${uuids.length} new logins gave only ${distinct} distinct uuids`)
      const bits = estimateRandomBits(uuids)
      check(bits >= 128, `the uuids seem to carry about ${Math.floor(bits)} random bits, fewer than 128 (they vary in too few positions or use too few symbols): ${uuids.slice(0, 4).join(', ')}, …`)
    },
  },
  {
    id: 'qr.image-png',
    section: '10.2',
    level: 'MUST',
    requirement: 'qrImageUrl answers 200 image/png with a PNG image',
    async run(ctx) {
      const browser = ctx.qrBrowser()
      const login = await newLogin(browser)
      const what = `GET ${login.qrImageUrl}`
      const res = await browser.raw('GET', login.qrImageUrl)
      check(res.status === 200, `${what}: expected HTTP 200 with a PNG, got ${show(res)}`)
      check(/^image\/png\b/i.test(contentType(res)), `${what}: content-type must be image/png, got "${contentType(res)}"`)
      const png = res.bytes
      check(png.subarray(0, 8).equals(PNG_SIGNATURE), `${what}: the body does not start with the PNG signature (first bytes ${png.subarray(0, 8).toString('hex') || 'none'})`)
      // The first chunk of every PNG is IHDR: length, type, width, height.
      check(png.length >= 24 && png.toString('latin1', 12, 16) === 'IHDR', `${what}: the PNG has no IHDR chunk first`)
      const width = png.readUInt32BE(16)
      const height = png.readUInt32BE(20)
      check(width > 0 && height > 0, `${what}: the PNG is ${width}×${height} pixels`)
    },
  },
  {
    id: 'qr.image-unknown',
    section: '10.2',
    level: 'MUST',
    requirement: 'the image of a uuid never issued answers 404 IMH_ERR_QR_UNKNOWN',
    async run(ctx) {
      const path = `${QR_PATHS.image}${unknownUuid()}.png`
      checkFail(await ctx.qrBrowser().raw('GET', path), 'IMH_ERR_QR_UNKNOWN', `GET ${path}`)
    },
  },
  {
    id: 'qr.page',
    section: '10.6',
    level: 'MUST',
    requirement: 'GET /qr/ answers 200 with an HTML page that has a script',
    async run(ctx) {
      const res = await ctx.qrBrowser().raw('GET', QR_PATHS.page)
      const what = `GET ${QR_PATHS.page}`
      check(res.status === 200, `${what}: expected HTTP 200 with the login page, got ${show(res)}`)
      check(/^text\/html\b/i.test(contentType(res)), `${what}: content-type must be text/html, got "${contentType(res)}"`)
      check(/<script\b/i.test(res.text), `${what}: the page has no <script> element`)
    },
  },
]

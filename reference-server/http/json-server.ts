import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {ImhError, errorBody, httpStatusForRet, isImhError, parseJsonBody} from '../../src/protocol/index.js'

export interface TlsOptions {
  cert: string | Buffer
  key: string | Buffer
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** An HTTP(S) server whose handler's coded errors become the `{ret, code, errMsg}` envelope. */
export function createJsonServer(handler: Handler, tls?: TlsOptions): Server {
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((err: unknown) => {
      // The client hung up mid-request: nothing to answer, and no fault of the server.
      if (!isImhError(err) && (err as NodeJS.ErrnoException)?.code === 'ECONNRESET') return void res.destroy()
      const coded = isImhError(err) ? err : internal(err)
      if (!res.headersSent) sendJson(res, httpStatusForRet(coded.ret), errorBody(coded))
      else res.destroy()
    })
  }
  const server = tls ? createHttpsServer({cert: tls.cert, key: tls.key}, wrapped) : createHttpServer(wrapped)
  // A slow or stuck client must not hold a socket forever.
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  return server
}

function internal(err: unknown): ImhError {
  process.emitWarning(`imh reference server: ${(err as Error)?.stack ?? String(err)}`)
  return new ImhError('IMH_ERR_INTERNAL')
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

/** Reads a body of at most `limit` bytes: refused from Content-Length first, and counted while it streams. */
export async function readBody(req: IncomingMessage, limit: number, tooLarge: (declaredBytes?: number) => ImhError): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    throw tooLarge(declared)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) {
      req.resume()
      throw tooLarge()
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks, size)
}

/** Reads a JSON body of at most `limit` bytes; an empty body reads as `{}` unless `required` (§3.7). */
export async function readJsonBody(req: IncomingMessage, limit: number, required = false): Promise<unknown> {
  const body = await readBody(req, limit, (declared) => new ImhError('IMH_ERR_BODY_TOO_LARGE', declared === undefined
    ? `request body is over the limit of ${limit} bytes`
    : `request body of ${declared} bytes is over the limit of ${limit}`))
  if (body.length === 0) {
    if (required) throw new ImhError('IMH_ERR_BAD_JSON', 'request body is missing; this route needs a JSON object')
    return {}
  }
  const type = String(req.headers['content-type'] ?? '')
  if (!/^application\/json\b/i.test(type)) {
    throw new ImhError('IMH_ERR_UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got "${type || 'none'}"`)
  }
  // The same strict UTF-8 JSON reading as long-link bodies (PROTOCOL.md §3.7, §4.5).
  return parseJsonBody(body)
}

/** The client's address as this server sees it, IPv4-mapped IPv6 shown as IPv4. */
export function clientIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? ''
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

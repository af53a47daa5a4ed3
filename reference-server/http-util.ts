import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {ImhError, errorBody, httpStatusForRet, isImhError, parseJsonBody} from '../src/protocol/index.js'

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

/** Reads a JSON body of at most `limit` bytes; an empty body reads as `{}` unless `required` (§3.7). */
export async function readJsonBody(req: IncomingMessage, limit: number, required = false): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    throw new ImhError('IMH_ERR_BODY_TOO_LARGE', `request body of ${declared} bytes is over the limit of ${limit}`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) {
      req.resume()
      throw new ImhError('IMH_ERR_BODY_TOO_LARGE', `request body is over the limit of ${limit} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  if (size === 0) {
    if (required) throw new ImhError('IMH_ERR_BAD_JSON', 'request body is missing; this route needs a JSON object')
    return {}
  }
  const type = String(req.headers['content-type'] ?? '')
  if (!/^application\/json\b/i.test(type)) {
    throw new ImhError('IMH_ERR_UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json, got "${type || 'none'}"`)
  }
  // The same strict UTF-8 JSON reading as long-link bodies (PROTOCOL.md §3.7, §4.5).
  return parseJsonBody(Buffer.concat(chunks))
}

export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections?.()
  })
}

/** The client's address as this server sees it, IPv4-mapped IPv6 shown as IPv4. */
export function clientIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? ''
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

/** Formats host:port for a URL, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

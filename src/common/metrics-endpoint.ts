import type {IncomingMessage, ServerResponse} from 'node:http'

/**
 * The request handler of a Prometheus endpoint (imh load --prometheus, imh serve --metrics): GET
 * /metrics answers `read()` as `contentType` (prom-client's registry gives both); anything else
 * 404s, so the listener serves nothing but its metrics.
 */
export function metricsEndpoint(read: () => Promise<string>, contentType: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') return void res.writeHead(404).end('GET /metrics\n')
    read().then((text) => res.writeHead(200, {'content-type': contentType}).end(text), (err: Error) => res.writeHead(500).end(`${err.message}\n`))
  }
}

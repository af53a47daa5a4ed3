import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

/** Runs `body` with the URL of a local HTTP server (port 0) answering every request 200 'ok'; closes it after. */
export async function withOkServer<T>(body: (url: string) => Promise<T>): Promise<T> {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    return await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  } finally {
    server.close()
  }
}

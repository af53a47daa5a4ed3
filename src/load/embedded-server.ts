import {ImhError} from '../protocol/index.js'
import {packageRoot} from '../common/package-root.js'
import {spawnReady} from '../common/ready-line.js'
import type {LoadUrls} from './scenarios/context.js'

export interface EmbeddedServer {
  urls: Required<LoadUrls>
  pid: number
  close(): Promise<void>
}

/**
 * Starts the reference server (`imh serve`) in a process of its own, so that server and harness
 * never share an event loop and the server's work does not show up as harness lag.
 */
export async function spawnReferenceServer(o: {host?: string; args?: string[]; readyTimeoutMs?: number} = {}): Promise<EmbeddedServer> {
  const bin = `${packageRoot()}/bin/run.js`
  let server
  try {
    server = await spawnReady<{event: string; scheduler: string; short: string; long: string}>(bin, ['serve', '--host', o.host ?? '127.0.0.1', '--port', '0', ...(o.args ?? [])], {timeoutMs: o.readyTimeoutMs, what: 'the reference server'})
  } catch (err) {
    throw new ImhError('IMH_ERR_CONNECT_FAILED', (err as Error).message)
  }
  const {ready} = server
  return {
    urls: {scheduler: ready.scheduler, ws: ready.long, http: ready.scheduler},
    pid: server.child.pid!,
    close: () => server.close(),
  }
}

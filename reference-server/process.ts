import {compiledModule} from '../src/common/package-root.js'
import {spawnReady} from '../src/common/ready-line.js'
import {ImhError, type GroupAddresses} from '../src/protocol/index.js'
import type {ReferenceServerUrls} from './index.js'
import {LISTENERS} from './port-layout.js'
import type {ProcessOptions} from './process-options.js'
import type {ReadyLine} from './run-until-signal.js'

export interface SpawnedReferenceServer {
  urls: ReferenceServerUrls
  groups: GroupAddresses
  /** The DNS server for the server's own names (ReferenceServer.resolver), when a flow runs one. */
  resolver?: string
  pid: number
  /** SIGTERM, then SIGKILL if it lingers; resolves when the process has exited. */
  close(): Promise<void>
}

/**
 * Starts the reference server in a process of its own (dist/reference-server/main.js), so that
 * server and caller never share an event loop: the server's work does not show up as the
 * caller's lag. Fails with IMH_ERR_CONNECT_FAILED when it does not get ready.
 */
export async function spawnReferenceServer(o: ProcessOptions & {readyTimeoutMs?: number} = {}): Promise<SpawnedReferenceServer> {
  const {readyTimeoutMs, ...options} = o
  let child
  try {
    child = await spawnReady<ReadyLine>(compiledModule('reference-server/main.js'), [JSON.stringify(options)], {timeoutMs: readyTimeoutMs, what: 'the reference server'})
  } catch (err) {
    throw new ImhError('IMH_ERR_CONNECT_FAILED', (err as Error).message)
  }
  const {groups, pid, dns} = child.ready
  const urls = Object.fromEntries(LISTENERS.map((l) => [l.name, (child.ready as Record<string, unknown>)[l.name]])) as ReferenceServerUrls
  return {urls, groups, pid, ...(dns === undefined ? {} : {resolver: dns}), close: () => child.close()}
}

import {compiledModule} from '../src/common/package-root.js'
import {spawnReady} from '../src/common/ready-line.js'
import {ImhError, type GroupAddresses} from '../src/protocol/index.js'
import type {ReferenceServerUrls} from './index.js'
import type {ProcessOptions} from './process-options.js'
import type {ReadyLine} from './run-until-signal.js'

export interface SpawnedReferenceServer {
  urls: ReferenceServerUrls
  groups: GroupAddresses
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
  const {event: _event, groups, pid, ...rest} = child.ready
  // The listeners' URLs are the ready line's string fields.
  const urls = Object.fromEntries(Object.entries(rest).filter(([, v]) => typeof v === 'string')) as ReferenceServerUrls
  return {urls, groups, pid, close: () => child.close()}
}

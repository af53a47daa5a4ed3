import {spawn} from 'node:child_process'
import {createInterface} from 'node:readline'
import {ImhError} from '../protocol/index.js'
import {packageRoot} from './package-root.js'
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
  const child = spawn(process.execPath, [bin, 'serve', '--host', o.host ?? '127.0.0.1', '--port', '0', ...(o.args ?? [])], {stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = await new Promise<{scheduler: string; short: string; long: string}>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ImhError('IMH_ERR_CONNECT_FAILED', `the reference server did not start within ${o.readyTimeoutMs ?? 20_000} ms: ${stderr}`)), o.readyTimeoutMs ?? 20_000)
    const lines = createInterface({input: child.stdout})
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as {event?: string; scheduler: string; short: string; long: string}
        if (msg.event === 'ready') {
          clearTimeout(timer)
          resolve(msg)
        }
      } catch {
        // not a JSON line: ignore
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new ImhError('IMH_ERR_CONNECT_FAILED', `the reference server exited (${code}) before it was ready: ${stderr}`))
    })
  })
  return {
    urls: {scheduler: ready.scheduler, ws: ready.long, http: ready.scheduler},
    pid: child.pid!,
    async close() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

import {createServer} from 'node:net'

/**
 * A TCP port free on 127.0.0.1 now, for servers that cannot listen on port 0 themselves
 * (redis-server, mosquitto, prosody). Another process may take it before the server does; the
 * supports retry their start on a listen failure.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, host, () => resolve()))
  const port = (s.address() as {port: number}).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

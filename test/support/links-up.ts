import {readFileSync} from 'node:fs'

/** Established TCP connections on local port `port` (server side), from /proc/net/tcp and tcp6. */
export function establishedOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  let n = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '01') n++
    }
  }
  return n
}

/** Resolves once `count` long links are up on the server (the run is under way), or after `maxMs`. */
export async function linksUp(longUrl: string, count: number, maxMs: number): Promise<number> {
  const port = Number(new URL(longUrl).port)
  const until = performance.now() + maxMs
  let n = 0
  while ((n = establishedOn(port)) < count && performance.now() < until) await new Promise((r) => setTimeout(r, 200))
  return n
}

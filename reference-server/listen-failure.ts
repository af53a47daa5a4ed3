import {ImhError, isImhError} from '../src/protocol/index.js'

const WHY: Record<string, string> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'this user may not listen there',
  EADDRNOTAVAIL: 'the address is not one of this host',
}

/**
 * A listen or bind that failed, as IMH_ERR_LISTEN_FAILED naming what could not listen (a group,
 * or a flow's server such as the shop's DNS), the address and why, in one sentence. `port` is
 * the one asked for; the error's own port (UDP sockets set it) wins when it has one.
 */
export function listenFailure(err: unknown, what: string, host: string, port: number): ImhError {
  if (isImhError(err, 'IMH_ERR_LISTEN_FAILED')) return err
  const e = err as NodeJS.ErrnoException & {port?: number}
  const at = `${host.includes(':') ? `[${host}]` : host}:${e.port ?? port}`
  const why = (e.code && WHY[e.code]) ?? e.message
  return new ImhError('IMH_ERR_LISTEN_FAILED', `${what} could not listen on ${at}: ${why}${e.code ? ` (${e.code})` : ''}`, {what, host, port: e.port ?? port, ...(e.code ? {cause: e.code} : {})})
}

/** Runs a listen or bind, turning its failure into {@link listenFailure}. */
export async function listening<T>(what: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (err) {
    throw listenFailure(err, what, host, port)
  }
}

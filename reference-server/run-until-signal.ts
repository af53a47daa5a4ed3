import {EXIT, type ExitCode} from '../src/common/exit-codes.js'
import {GROUPS, type Group, type GroupAddresses, isImhError} from '../src/protocol/index.js'
import type {ListenerNames} from './flows.js'
import {type ReferenceServer, type ReferenceServerOptions, type ReferenceServerUrls, startReferenceServer} from './index.js'

/**
 * The line printed once everything listens: each listener's URL, the addresses of each group
 * without one (the relay group's UDP ports), the DNS server for the server's own names when a
 * flow runs one (`dns`, PROTOCOL.md §2.4), the metrics endpoint when asked for (`metrics`), all
 * groups, and the pid.
 */
export type ReadyLine = {event: 'ready'} & ReferenceServerUrls & Record<Exclude<Group, ListenerNames>, string[]> & {dns?: string; metrics?: string; groups: GroupAddresses; pid: number}

export function readyLine(server: ReferenceServer): ReadyLine {
  const portsOnly = GROUPS.filter((g) => !(g in server.urls)).map((g) => [g, server.groups[g]])
  const dns = server.resolver === undefined ? {} : {dns: server.resolver}
  const metrics = server.metrics === undefined ? {} : {metrics: server.metrics}
  return {event: 'ready', ...server.urls, ...Object.fromEntries(portsOnly), ...dns, ...metrics, groups: server.groups, pid: process.pid} as ReadyLine
}

/** The server did not start; `exit` says why (a bad option, or anything else). */
export class StartFailure extends Error {
  constructor(message: string, readonly exit: ExitCode) {
    super(message)
  }
}

/** Resolves with the first of SIGINT and SIGTERM. */
export function signalled(): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
}

/**
 * Starts the reference server, prints the ready line, and on SIGINT or SIGTERM closes it and
 * prints `{"event":"stopped","signal":…}`; resolves then. A start that fails rejects with a
 * StartFailure. One function for `imh serve` and the standalone process (main.ts).
 */
export async function runUntilSignal(options: ReferenceServerOptions, write: (line: string) => void = (line) => void process.stdout.write(line)): Promise<void> {
  let server: ReferenceServer
  try {
    server = await startReferenceServer(options)
  } catch (err) {
    if (isImhError(err, 'IMH_ERR_INVALID_OPTION')) throw new StartFailure(err.message, EXIT.USAGE)
    if (isImhError(err, 'IMH_ERR_LISTEN_FAILED') || isImhError(err, 'IMH_ERR_REDIS_UNREACHABLE')) throw new StartFailure(`could not start: ${err.code}: ${err.message}`, EXIT.FAILED)
    throw new StartFailure(`could not start: ${(err as Error).message}`, EXIT.FAILED)
  }
  write(`${JSON.stringify(readyLine(server))}\n`)
  const signal = await signalled()
  await server.close()
  write(`${JSON.stringify({event: 'stopped', signal})}\n`)
}

import {EXIT} from '../../src/common/exit-codes.js'
import type {ProcessOptions} from '../process-options.js'
import {StartFailure, signalled} from '../run-until-signal.js'
import {GroupStartError, startNodeGroup} from './node-group.js'

/**
 * `imh serve --nodes N`: starts N node processes sharing a Redis (cluster/node-group.ts), prints
 * one ready line listing them all, a `{"event":"node-exited",…}` line for any node that dies while
 * the group runs (the others keep serving: the point of a group), and on SIGINT or SIGTERM stops
 * every node and prints the stopped line.
 */
export async function runGroupUntilSignal(count: number, options: ProcessOptions & {redis: {url: string; prefix?: string}}, write: (line: string) => void = (line) => void process.stdout.write(line)): Promise<void> {
  let stopping = false
  let group
  try {
    group = await startNodeGroup(count, options, (node, code, signal) => {
      if (!stopping) write(`${JSON.stringify({event: 'node-exited', node, code, signal})}\n`)
    })
  } catch (err) {
    if (err instanceof GroupStartError) throw new StartFailure(`could not start: ${err.message}`, err.exit === 2 ? EXIT.USAGE : EXIT.FAILED)
    throw new StartFailure(`could not start: ${(err as Error).message}`, EXIT.FAILED)
  }
  write(`${JSON.stringify(group.ready)}\n`)
  const signal = await signalled()
  stopping = true
  await group.close()
  write(`${JSON.stringify({event: 'stopped', signal})}\n`)
}

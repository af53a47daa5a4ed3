import {hostname} from 'node:os'
import {compiledModule} from '../../src/common/package-root.js'
import {type ReadyChild, ReadyLineError, spawnReady} from '../../src/common/ready-line.js'
import {GROUPS, type GroupAddresses, emptyGroups, webSocketFirst} from '../../src/protocol/index.js'
import type {ProcessOptions} from '../process-options.js'
import type {ReadyLine} from '../run-until-signal.js'

/** The ready line of a group of nodes: node 0's addresses at the top (so one-node readers work), every node under `nodes`, all groups. */
export type GroupReadyLine = ReadyLine & {nodes: ReadyLine[]}

export interface NodeGroup {
  ready: GroupReadyLine
  nodes: ReadyChild<ReadyLine>[]
  /** Stops every node still running (SIGTERM, then SIGKILL). */
  close(): Promise<void>
}

/** Why a group did not start: a node's own sentence and the exit code it chose (2: a bad option). */
export class GroupStartError extends Error {
  constructor(message: string, readonly exit: number | null) {
    super(message)
  }
}

/** Every port a node's ready line names. */
function portsOf(ready: ReadyLine): number[] {
  const all = Object.values(ready.groups).flat().concat(Object.values(ready).filter((v): v is string => typeof v === 'string'))
  return all.flatMap((address) => {
    const m = /:(\d+)(?:\/|$)/.exec(address.replace(/^[a-z]+:\/\//, ''))
    return m ? [Number(m[1])] : []
  })
}

/**
 * Waits until every scheduler lists every long-link address (the nodes read each other's reports
 * once a second), so that a client of the group's first answer already sees the whole group; gives
 * up waiting after `maxMs`, as the reports will get there.
 */
async function converged(schedulers: readonly string[], long: readonly string[], maxMs = 5000): Promise<void> {
  const until = Date.now() + maxMs
  const lists = async (url: string): Promise<boolean> => {
    const answer = (await (await fetch(url)).json()) as {groups?: {long?: string[]}}
    return long.every((a) => answer.groups?.long?.includes(a))
  }
  for (const url of schedulers) {
    while (Date.now() < until && !(await lists(url).catch(() => false))) await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Starts `count` reference-server processes (dist/reference-server/main.js) that share one Redis
 * (PROTOCOL.md §2.5). Node 0 starts first on `options.port`; with a fixed port each next node takes
 * the block after the previous one's highest port. A node that fails to start stops the others.
 */
export async function startNodeGroup(count: number, options: ProcessOptions & {redis: {url: string; prefix?: string}}, onExit?: (node: string, code: number | null, signal: string | null) => void): Promise<NodeGroup> {
  const nodes: ReadyChild<ReadyLine>[] = []
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.close()))
  }
  const name = (i: number): string => `${hostname()}-${process.pid}-n${i}`
  const spawnNode = async (i: number, port: number | undefined): Promise<ReadyChild<ReadyLine>> => {
    const metrics = options.metrics ? {...options.metrics, port: options.metrics.port && options.metrics.port + i} : undefined
    const node: ProcessOptions = {...options, node: name(i), ...(port === undefined ? {} : {port}), ...(metrics ? {metrics} : {})}
    try {
      const child = await spawnReady<ReadyLine>(compiledModule('reference-server/main.js'), [JSON.stringify(node)], {what: `node ${i}`})
      child.child.once('exit', (code, signal) => onExit?.(name(i), code, signal))
      return child
    } catch (err) {
      const stderr = err instanceof ReadyLineError ? err.stderr.trim().split('\n').at(-1)?.replace(/^could not start: /, '') : undefined
      throw new GroupStartError(`node ${i} did not start: ${stderr || (err as Error).message}`, /exited \(2\)/.test((err as Error).message) ? 2 : 1)
    }
  }
  try {
    nodes.push(await spawnNode(0, options.port))
    const base = options.port ?? 0
    const span = base ? Math.max(...portsOf(nodes[0]!.ready)) - base + 1 : 0
    const rest = await Promise.allSettled(Array.from({length: count - 1}, (_, k) => spawnNode(k + 1, base ? base + (k + 1) * span : undefined)))
    for (const r of rest) if (r.status === 'fulfilled') nodes.push(r.value)
    const failed = rest.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  } catch (err) {
    await close()
    throw err
  }
  const groups: GroupAddresses = emptyGroups()
  for (const n of nodes) for (const g of GROUPS) groups[g].push(...n.ready.groups[g])
  groups.long = webSocketFirst(groups.long)
  await converged(nodes.map((n) => n.ready.scheduler).filter(Boolean), groups.long)
  const ready: GroupReadyLine = {...nodes[0]!.ready, groups, pid: process.pid, nodes: nodes.map((n) => n.ready)}
  return {ready, nodes, close}
}

import type {AnyServerFlow, Listener} from './flow.js'
import {SERVER_FLOWS} from './flows.js'

const FLOWS: readonly AnyServerFlow[] = SERVER_FLOWS

/** Every TCP listener of the flows, in port order: the first takes `--port`, the next ones follow. */
export const LISTENERS: readonly Listener<string>[] = FLOWS.flatMap((f) => f.listeners ?? [])

/** The flows that bind UDP ports after the TCP listeners, in port order. */
export const UDP_FLOWS: readonly AnyServerFlow[] = FLOWS.filter((f) => f.udp)

/** How many UDP ports `flow` binds under `limits` (0 for a flow without UDP). */
export function udpPortCount(flow: AnyServerFlow, limits: Readonly<Record<string, number>>): number {
  if (!flow.udp) return 0
  return typeof flow.udp.count === 'number' ? flow.udp.count : limits[flow.udp.count]!
}

/** The highest base port with `udpPorts` UDP ports after the TCP listeners. */
export function maxBasePort(udpPorts: number): number {
  return 65535 - (LISTENERS.length - 1) - udpPorts
}

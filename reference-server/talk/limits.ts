import {defineLimits} from '../../src/protocol/index.js'

/** Limits of real-time talk: the ring, the relay group's STUN ports and the relay's rate (PROTOCOL.md §11). */
export const TALK_LIMIT_SPECS = defineLimits([
  {key: 'talkRingTimeoutMs', default: 30_000, min: 100, max: 300_000, unit: 'ms', section: '11.2', description: 'ms a call rings before it ends with reason "timeout"', flag: 'ring-timeout', conformValue: 1000},
  {key: 'stunPorts', default: 4, min: 1, max: 16, unit: 'ports', section: '11.1', description: "UDP ports of the relay group answering STUN Binding requests, listed in the scheduler's relay group", flag: 'stun-ports'},
  {key: 'relayRatePps', default: 200, min: 1, max: 100_000, unit: 'datagrams/s', section: '11.3', description: 'relay datagrams per second one role of one call may send (token bucket refill)', flag: 'relay-rate-pps'},
  {key: 'relayBurst', default: 50, min: 1, max: 100_000, unit: 'datagrams', section: '11.3', description: 'relay token bucket size: datagrams one role of one call may send at once', flag: 'relay-burst'},
] as const)

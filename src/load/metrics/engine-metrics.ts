import {type CounterName, type TrendName, counter, ratio, trend} from './metric-definition.js'

/**
 * The metrics the load engine itself records, whatever the scenario: the protocol client's
 * connection set-up and heartbeats (scenarios/load-client.ts), failures, iterations and bytes.
 * Every scenario may record these; its own metrics it declares in its module.
 */
export const ENGINE_METRICS = [
  trend('heartbeat_rtt', 'heartbeat sent → heartbeat acknowledgement received on the long link'),
  trend('connect', 'protocol scenarios: opening the long link (TCP, TLS, WebSocket upgrade) until the AUTH reply; ws-ping: until the WebSocket is open'),
  trend('login', 'the short-link login request until its answer (the token)'),
  trend('scheduler', 'asking the scheduler which node serves the user until the answer arrives'),
  counter('reconnects', 'long links lost and won back by the client itself (back-off, fresh scheduler look-up, AUTH on any node, SYNC from its key)'),
  trend('reconnect_time', 'a lost long link → AUTH accepted again (back-off and look-up included)'),
  trend('resync_time', 'AUTH accepted after a reconnection → every category caught up from its SyncKey'),
  counter('errors', 'failed operations of any kind; the summary breaks them down by error code'),
  counter('iterations', 'scenario iterations completed'),
  counter('iterations_started', 'iterations an arrival-rate executor started (at their time or, when the generator fell behind, late)'),
  counter('dropped_iterations', 'iterations an arrival-rate executor could not start because no VU was free (the target rate was not reached)'),
  counter('data_sent', 'bytes the clients wrote to the network', {unit: 'bytes'}),
  counter('data_received', 'bytes the clients read from the network', {unit: 'bytes'}),
  ratio('rate_achieved', 'achieved ÷ requested rate of the least-served rate target (arrival-rate iterations, or a kind\'s own rate such as chat messages/s); e.g. `rate>0.95`'),
] as const

export type EngineTrend = TrendName<typeof ENGINE_METRICS>
export type EngineCounter = CounterName<typeof ENGINE_METRICS>

/** Engine metrics summaries list before every scenario's: the long link's pulse, which nearly every run records. */
export const LISTED_FIRST: readonly EngineTrend[] = ['heartbeat_rtt']

/**
 * Counters reported even when nothing incremented them, so 0 is a real observation. Only
 * `errors`: every scenario can fail. The coordinator sets the others (`lost`, `duplicates`,
 * `dropped_iterations`, …) itself when a scenario or executor that produces them ran (see
 * `reportZero`); otherwise a threshold on them fails for lack of samples instead of passing on a
 * run that never measured them.
 */
export const ALWAYS_REPORTED_COUNTERS: readonly EngineCounter[] = ['errors']

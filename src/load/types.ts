import type {AdapterGuarantees} from './adapters/adapter.js'
/**
 * Contracts shared by the parts of `imh load`: profiles, executors, scenarios, metrics, the
 * coordinator and its workers. Executors only schedule, scenarios only act and emit samples, one
 * metrics engine aggregates and judges thresholds, outputs only consume (the k6 split).
 */

import type {Clock} from './clock.js'
import type {MetricsDelta} from './metrics/registry.js'
import type {ScenarioKind, ScenarioOptions} from './scenarios/index.js'
import type {MetricSummary} from '../common/histogram.js'
import type {LinkTransportKind} from '../client/link-transport.js'
export type {Clock, MetricsDelta, MetricSummary}

/** Milliseconds on a clock every worker process on this host shares. */
export type SharedMs = number

export const EXECUTOR_KINDS = ['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'] as const
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number]

/** One stage of a ramping executor: reach `target` linearly over `durationMs`. */
export interface Stage { durationMs: number; target: number }

export type ExecutorSpec =
  | {executor: 'constant-vus'; vus: number; durationMs: number; gracefulStopMs: number}
  | {executor: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDownMs: number; gracefulStopMs: number}
  | {executor: 'constant-arrival-rate'; rate: number; timeUnitMs: number; durationMs: number; preAllocatedVUs: number; maxVUs: number; gracefulStopMs: number}
  | {executor: 'ramping-arrival-rate'; startRate: number; timeUnitMs: number; stages: Stage[]; preAllocatedVUs: number; maxVUs: number; gracefulStopMs: number}

/**
 * One entry of a profile's `scenarios`, for scenario kind `K`: its options are typed by what the
 * kind's module declares (scenarios/index.ts), with every default applied by the parser.
 */
export interface ScenarioSpecOf<K extends ScenarioKind> {
  /** The key in the profile's `scenarios` map. */
  name: string
  scenario: K
  spec: ExecutorSpec
  /** Delay from the run's start. */
  startTimeMs: number
  options: ScenarioOptions<K>
}

/** A scenario of any kind; narrow on `scenario` to reach its options. */
export type ScenarioSpec = {[K in ScenarioKind]: ScenarioSpecOf<K>}[ScenarioKind]

/** `metric` → k6 threshold expressions, e.g. `{sync_latency: ['p(99)<50']}`. */
export interface ThresholdSpec {
  metric: string
  expressions: ThresholdExpression[]
}
export interface ThresholdExpression {
  source: string
  abortOnFail: boolean
  /** With abortOnFail: do not judge before this much of the run has passed. */
  delayAbortEvalMs: number
}

export interface RunOptions {
  /** Drain after the last send: wait this long at most for acknowledged messages to arrive. */
  drainMs: number
  /** Worker processes; 0 = run in this process (tests, debugging). */
  workers: number
  /** Loopback source addresses to spread connections over (127.0.0.2 …); 0 = let the OS pick. */
  sourceAddresses: number
  /** Connections being opened at once per worker (p-limit). */
  rampConcurrency: number
  /** Event-loop lag (p99 over a tick) above which a worker counts as saturated. */
  maxEventLoopLagMs: number
  /** Seed for the run's random choices. */
  seed: number
  /**
   * The long link's transport for every protocol scenario (`ws` or `tcp`); absent: the scheduler's
   * long group in its order, ws:// first (VirtualClientOptions.transport).
   */
  transport?: LinkTransportKind
  /**
   * The client adapter of the chat, heartbeat and login-storm scenarios (docs/adapters.md): a
   * built-in's name (`imh`, `mqtt`, `xmpp`, `json-ws`) or an adapter module's absolute path;
   * absent: `imh`, our own protocol.
   */
  adapter?: string
  /** The adapter's options as the profile wrote them (`options.adapterOptions`); the adapter parses them at the start of the run. */
  adapterOptions?: Record<string, unknown>
}

export interface Profile {
  name: string
  description: string
  /** Where it came from: a built-in name's file or the path given. */
  file: string
  scenarios: ScenarioSpec[]
  thresholds: ThresholdSpec[]
  /** Regression limits for `imh compare` (`metric:allowance`, e.g. `sync_latency:p(99)=+10%`), carried into results.json's meta. */
  regressions: string[]
  options: RunOptions
}

/** Flags of `imh load` that override the profile. */
export interface ProfileOverrides {
  clients?: number
  durationMs?: number
  rate?: number
  workers?: number
  thresholds?: string[]
  /** `--transport`: the long link's transport (RunOptions.transport). */
  transport?: LinkTransportKind
  /** `--adapter`: the client adapter (RunOptions.adapter), a built-in's name or a module path (made absolute against the working directory). */
  adapter?: string
}

/** One second of the run as the coordinator saw it, merged over workers. */
export interface TickSample {
  /** Seconds since the run started (1 for the first second). */
  second: number
  elapsedMs: number
  /** Clients holding an authenticated session (or an open socket / slot, for ws-ping and http). */
  vus: number
  /** Counter increments during this second (sent, acked, delivered, errors, iterations, …). */
  counters: Record<string, number>
  /** Per latency metric, this second's samples only. */
  metrics: Record<string, {count: number; p50: number; p99: number}>
  /** Longest event-loop stall of any worker during this second. */
  maxEventLoopLagMs: number
  saturated: boolean
}

export interface ThresholdOutcome {
  metric: string
  expression: string
  ok: boolean
  /** The aggregated value compared; null when the metric had no samples. */
  actual: number | null
  reason?: string
  abortOnFail: boolean
}

export interface SaturationReport {
  flagged: boolean
  boundMs: number
  maxEventLoopLagMs: number
  /** Seconds 1…judgedSeconds (the schedule) are judged; stalls while clients stop are not. */
  judgedSeconds: number
  workers: Array<{worker: number; maxLagMs: number; saturatedSeconds: number; /** Distributed runs: which agent's worker ("agent gen-1 worker 0"). */ label?: string}>
}

/** Whether each rate the run was asked for was achieved (src/load/rate-check.ts). */
export interface RateReport {
  /** Some target achieved less than `tolerance` of its requested rate. */
  flagged: boolean
  tolerance: number
  scenarios: Array<{
    scenarios: string[]
    /** The counter that counts the work (`iterations_started`, `sent`, …). */
    counter: string
    unit: string
    /** What the profile's schedule asks for, averaged over its seconds. */
    scheduledPerS: number
    /** What was judged: the schedule, in closed models capped each second by the clients connected then × each one's rate. */
    requestedPerS: number
    achievedPerS: number
    /** Achieved ÷ requested over the whole run. */
    ratio: number
    missed: boolean
    /** Seconds of the run at whose end the work done lagged the schedule. */
    behindSeconds: number[]
  }>
}

export interface RunMeta {
  profile: string
  profileFile: string
  target: string
  embeddedServer: boolean
  imhVersion: string
  node: string
  machine: {platform: string; release: string; arch: string; cpus: number; cpuModel: string; totalMemoryMb: number; hostname: string}
  workers: number
  seed: number
  /**
   * The client adapter the chat, heartbeat and login-storm scenarios spoke through, when the
   * profile or `--adapter` named one (docs/adapters.md): its name, the module file of a user's
   * adapter, and what its protocol promises with the options given, by which `duplicates`,
   * `reordered` and `acked` were judged.
   */
  adapter?: {name: string; module?: string; guarantees: AdapterGuarantees}
  /** The long link's transport the protocol scenarios were held to (options.transport, --transport); absent: the scheduler's order. */
  transport?: LinkTransportKind
  startedAt: string
  durationMs: number
  overrides: ProfileOverrides
  scenarios: Array<{name: string; scenario: ScenarioKind; executor: ExecutorKind}>
  /** The profile's regression limits, which `imh compare` judges when this run is the candidate (absent in files of older versions). */
  regressions?: string[]
  /** The thresholds the run judged (the profile's and --threshold's), which `imh merge` judges again on the merge (absent in files of older versions). */
  thresholds?: ThresholdSpec[]
  /**
   * An offline shard (`imh load --shard index/count`): `{index, count}`. A merge of shards
   * (`imh merge`): `{count, present}`, the shard indices it holds (all of 0 … count-1 unless some were missing).
   */
  shard?: ShardMeta
  /** The agents of a distributed run (`imh load --distributed`), each with its share; absent otherwise. */
  agents?: AgentSummary[]
}

/** One agent of a distributed run, as results.json records it. */
export interface AgentSummary {
  id: string
  host: string
  cores: number
  workers: number
  /** Its part of the run: agent `index` of `count` (shardShare in src/load/executors/share.ts). */
  shard: {index: number; count: number}
  /** Set when it died or stopped reporting: the work of its share after `atMs` (ms since the start) was not done. */
  lost?: {atMs: number; reason: string}
  /** Its own part of the figures (what its workers reported), each latency with its encoded histogram: the run's are exactly their sum. */
  metrics?: Record<string, MetricSummary & {histogram: string}>
  counters?: Record<string, number>
}

/** Which shards of a run a results file holds: see {@link RunMeta.shard}. */
export interface ShardMeta {
  count: number
  index?: number
  present?: number[]
}

/** Everything a run produced; outputs (summary, results.json, JUnit later) only read this. */
export interface RunResult {
  meta: RunMeta
  metrics: Record<string, MetricSummary & {histogram: string}>
  counters: Record<string, number>
  errors: Record<string, number>
  thresholds: ThresholdOutcome[]
  saturation: SaturationReport
  rate: RateReport
  timeSeries: TickSample[]
  /** Set when a threshold with abortOnFail stopped the run, or the user interrupted it. */
  aborted?: {reason: string; atMs: number}
  /** A failure of the run itself (not of thresholds): worker crash, target unreachable. */
  runError?: {code: string; message: string}
  /**
   * Every worker's final report of each joined counter (chat's `lost`), by counter name: what
   * `imh merge` joins again over the shards, as the coordinator joined them over its workers.
   */
  joined?: Record<string, unknown[]>
}

/** Events of the run engine (autocannon style); progress and reports subscribe. */
export interface RunEvents {
  /** `scheduleMs`: how long the schedule runs (the longest scenario's start + duration), drain not included. */
  start: [{meta: RunMeta; scheduleMs: number}]
  tick: [TickSample]
  /** Free-form notes worth a line: ramp finished, draining, a worker saturated. */
  note: [string]
  done: [RunResult]
}

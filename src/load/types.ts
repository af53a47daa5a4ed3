/**
 * Contracts shared by the parts of `imh load`: profiles, executors, scenarios, metrics, the
 * coordinator and its workers. Executors only schedule, scenarios only act and emit samples, one
 * metrics engine aggregates and judges thresholds, outputs only consume (the k6 split).
 */

/** Milliseconds on a clock every worker process on this host shares. */
export type SharedMs = number

/** Where the time of day comes from; tests pass a fake one. */
export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number
  /** Resolves after `ms` (at once when `ms` <= 0); rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const SCENARIO_KINDS = ['chat', 'heartbeat', 'login-storm', 'ws-ping', 'http', 'qr-login', 'talk', 'nearby', 'shake', 'bottle', 'moments', 'download'] as const
export type ScenarioKind = (typeof SCENARIO_KINDS)[number]

export const EXECUTOR_KINDS = ['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate'] as const
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number]

/** One stage of a ramping executor: reach `target` linearly over `durationMs`. */
export interface Stage { durationMs: number; target: number }

export type ExecutorSpec =
  | {executor: 'constant-vus'; vus: number; durationMs: number; gracefulStopMs: number}
  | {executor: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDownMs: number; gracefulStopMs: number}
  | {executor: 'constant-arrival-rate'; rate: number; timeUnitMs: number; durationMs: number; preAllocatedVUs: number; maxVUs: number; gracefulStopMs: number}
  | {executor: 'ramping-arrival-rate'; startRate: number; timeUnitMs: number; stages: Stage[]; preAllocatedVUs: number; maxVUs: number; gracefulStopMs: number}

/** What each virtual client does; fields not used by a kind are absent. */
export interface ScenarioOptions {
  /** chat: messages per second each client sends to its peer in VU models. */
  messageRate?: number
  /** chat: bytes of message content. */
  messageSize?: number
  /** chat, heartbeat, ws-ping: ms between heartbeats; 'server' = the interval the server announces. */
  heartbeatIntervalMs?: number | 'server'
  /** login-storm: keep the long link open this long after AUTH. */
  holdMs?: number
  /** ws-ping, http: the URL; default: the target (or the embedded server's long link / scheduler). */
  url?: string
  /** http */
  method?: string
  headers?: Record<string, string>
  body?: string
  /** http: statuses that count as success; default 200–399. */
  expectStatus?: number[]
  /** ws-ping: ping payload bytes. */
  payloadSize?: number
  /** qr-login: QR logins per second each browser goes through (its phone scans and confirms). */
  loginRate?: number
  /** qr-login: time between the phone's scan and its confirm (the user reading the prompt). */
  confirmDelayMs?: number
  /** talk: how long each party talks (sends relay datagrams) per call. */
  talkDurationMs?: number
  /** talk: relay datagrams per second each party sends while talking. */
  pps?: number
  /** talk: payload bytes per relay datagram. */
  packetSize?: number
  /** talk: send with the echo flag (the relay returns each datagram to its sender: relay_rtt). */
  echo?: boolean
  /** Per-request time limit. */
  requestTimeoutMs?: number
  /** nearby, shake: VUs are placed at random within this many metres of the scenario's centre. */
  spreadM?: number
  /** nearby: each VU moves, reports and queries one page this often. */
  queryIntervalMs?: number
  /** nearby: NEARBY radiusM, metres. */
  radiusM?: number
  /** nearby: NEARBY limit (people per page). */
  pageSize?: number
  /** shake: VUs shake at the scenario's start + multiples of this, so many shake in one window. */
  shakeIntervalMs?: number
  /** shake: each shake is late by a random 0 to this, so a window sees a spread of arrivals. */
  shakeJitterMs?: number
  /** bottle (§14): time between a VU's throws. */
  throwIntervalMs?: number
  /** bottle: time between a VU's picks. */
  pickIntervalMs?: number
  /** bottle: share (0–1) of picked bottles the picker replies to. */
  replyRatio?: number
  /** bottle: UTF-8 bytes of each bottle's and reply's content (1–1024). */
  bottleSize?: number
  /** moments (§15): ring neighbours each VU befriends (it adds the next ⌈friends/2⌉; adding is mutual). */
  friends?: number
  /** moments: time between a VU's posts. */
  postIntervalMs?: number
  /** moments: time between timeline pages a VU reads. */
  timelineIntervalMs?: number
  /** moments: share (0–1) of friends' moments a VU likes or comments on (half of those comments). */
  likeRatio?: number
  /** moments: bytes of the image each VU uploads once and attaches to its posts; 0 = text only. */
  imageSize?: number
  /** download (PROTOCOL.md §16): bytes per Range request; 0 = the whole object in one GET. */
  chunkSize?: number
  /** download: after each full download, GET again with If-None-Match and expect 304. */
  revalidate?: boolean
  /** download: path on the media group (default /download/game.bin, whose bytes are checked). */
  path?: string
  /** download: VU models wait this long after each download before the next (think time). */
  pauseMs?: number
}

export interface ScenarioSpec {
  /** The key in the profile's `scenarios` map. */
  name: string
  scenario: ScenarioKind
  spec: ExecutorSpec
  /** Delay from the run's start. */
  startTimeMs: number
  options: ScenarioOptions
}

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
}

export interface Profile {
  name: string
  description: string
  /** Where it came from: a built-in name's file or the path given. */
  file: string
  scenarios: ScenarioSpec[]
  thresholds: ThresholdSpec[]
  options: RunOptions
}

/** Flags of `imh load` that override the profile. */
export interface ProfileOverrides {
  clients?: number
  durationMs?: number
  rate?: number
  workers?: number
  thresholds?: string[]
}

/** Summary of one latency metric, all in milliseconds. */
import type {MetricSummary} from '../common/histogram.js'
export type {MetricSummary}

/**
 * What a worker ships per tick: histograms encoded (hdr-histogram-js compressed base64) and
 * counter increments since its previous tick. The coordinator adds them; never averages.
 */
export interface MetricsDelta {
  histograms: Record<string, string>
  counters: Record<string, number>
  /** Error counts by code since the previous tick. */
  errors: Record<string, number>
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
  workers: Array<{worker: number; maxLagMs: number; saturatedSeconds: number}>
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
  startedAt: string
  durationMs: number
  overrides: ProfileOverrides
  scenarios: Array<{name: string; scenario: ScenarioKind; executor: ExecutorKind}>
}

/** Everything a run produced; outputs (summary, results.json, JUnit later) only read this. */
export interface RunResult {
  meta: RunMeta
  metrics: Record<string, MetricSummary & {histogram: string}>
  counters: Record<string, number>
  errors: Record<string, number>
  thresholds: ThresholdOutcome[]
  saturation: SaturationReport
  timeSeries: TickSample[]
  /** Set when a threshold with abortOnFail stopped the run, or the user interrupted it. */
  aborted?: {reason: string; atMs: number}
  /** A failure of the run itself (not of thresholds): worker crash, target unreachable. */
  runError?: {code: string; message: string}
}

/** Events of the run engine (autocannon style); progress and reports subscribe. */
export interface RunEvents {
  start: [{meta: RunMeta}]
  tick: [TickSample]
  /** Free-form notes worth a line: ramp finished, draining, a worker saturated. */
  note: [string]
  done: [RunResult]
}

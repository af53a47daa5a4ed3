import type {LinkTransportKind} from '../client/link-transport.js'
import type {TraceEntry} from '../client/trace.js'
import type {CaseContext} from './context.js'

/** How much a requirement weighs (PROTOCOL.md §8), strongest first. */
export const LEVELS = ['MUST', 'SHOULD', 'INFO'] as const
export type Level = (typeof LEVELS)[number]

/**
 * `unimplemented`: the case's optional feature is not implemented by the target (not announced in
 * the scheduler's `features`, or its probe answered IMH_ERR_UNKNOWN_CMD / 404); it never fails the
 * run unless `--require` names the feature. `not-run`: the run was interrupted (SIGINT) before or
 * while the case ran; no verdict was reached.
 */
export const VERDICTS = ['pass', 'non-strict', 'fail', 'info', 'not-applicable', 'unimplemented', 'error', 'not-run'] as const
export type Verdict = (typeof VERDICTS)[number]

/** One case as its flow's module declares it; `defineCaseModule` adds the flow. */
export interface CaseDefinition {
  /** Stable `group.name`; never a list position. */
  id: string
  /** Ids the case had before a rename: expectations files (`--expect`) that still use them keep working. */
  aliases?: readonly string[]
  /** PROTOCOL.md section checked, e.g. "6.4". */
  section: string
  /**
   * The announced limit the case waits out (`idleTimeoutMs`, `holdMs` …), when it waits one out:
   * the runner starts such cases first, outside --concurrency (they mostly sleep), all at once,
   * and gives each --max-wait on top of the usual budget. The case still asks `ctx.needWait`.
   */
  waits?: string
  level: Level
  /** One line: what the server must do. */
  requirement: string
  /** Passes by returning; an INFO case returns what it measured. */
  run(ctx: CaseContext): Promise<void | string>
}

/**
 * Tells whether the target implements an optional feature, once per run: resolves when the
 * feature's first command is answered at all (the cases judge how), throws `Unimplemented` when it
 * is answered IMH_ERR_UNKNOWN_CMD (long link) or 404 (HTTP).
 */
export type FeatureProbe = (ctx: CaseContext) => Promise<void>

/** A case of the catalogue: its definition and the flow whose module declares it. */
export interface ConformanceCase extends CaseDefinition {
  /** The flow id (`core`, `qr`, `talk` …), the same in every layer. */
  flow: string
  /** The probe of its flow's feature (the module's), if the flow is optional and has one. */
  probe?: FeatureProbe
}

/** What the run found of one optional feature whose cases it ran (`report.features`). */
export interface FeatureFinding {
  /** The feature id: the flow id. */
  feature: string
  /** Listed in the scheduler answer's `features`. */
  announced: boolean
  /** Judged: announced and its probe (if any) answered; its cases ran. */
  implemented: boolean
  /** Named by `--require`: unimplemented, its cases fail. */
  required: boolean
  /** Why it is not implemented, or what the probe saw; '' when nothing to say. */
  message: string
}

export interface CaseResult {
  id: string
  flow: string
  section: string
  level: Level
  requirement: string
  verdict: Verdict
  /**
   * The long link's transport this result is for, when the case took the link by its transport
   * (`imh conform --transport`); absent for a case that never did (scheduler, short link, HTTP
   * groups), which runs once. Under `--transport both` such a case has one result per transport.
   */
  transport?: LinkTransportKind
  durationMs: number
  message: string
  /** Frames sent and received, for cases that did not pass. */
  trace?: TraceEntry[]
}

export type VerdictCounts = Record<Verdict, number>

export interface ConformanceReport {
  tool: {name: 'imharness'; version: string}
  protocolVersion: number
  target: {scheduler: string; embedded: boolean}
  startedAt: string
  durationMs: number
  strict: boolean
  /** The transports the long-link cases ran on, in order (`--transport`); absent: ws alone (a report of before the option). */
  transports?: LinkTransportKind[]
  summary: VerdictCounts & {total: number; ok: boolean}
  /**
   * Exceptions that escaped every case (an uncaught exception or unhandled rejection while no
   * single case was running to blame): harness faults of the run itself, each message and stack.
   */
  faults: string[]
  /** The run was stopped (SIGINT) before every case had ended. */
  interrupted: boolean
  /** Each optional feature whose cases the run reached: announced, implemented, required. */
  features: FeatureFinding[]
  cases: CaseResult[]
}

import {EventEmitter, getMaxListeners, setMaxListeners} from 'node:events'
import pLimit from 'p-limit'
import type {Dispatcher} from 'undici'
import type {LinkTransportKind} from '../client/link-transport.js'
import {fetchSchedulerAnswer} from '../client/resolve.js'
import {EXIT, type ExitCode} from '../common/exit-codes.js'
import {PROTOCOL_VERSION, isImhError} from '../protocol/index.js'
import {CaseContext, DEFAULT_MAX_WAIT_MS, type Target} from './context.js'
import {FeatureGate} from './feature-gate.js'
import {CaseFailure, NotApplicable} from './failures.js'
import {type CaseResult, type ConformanceCase, type ConformanceReport, type Verdict, type VerdictCounts} from './types.js'
import {countVerdicts} from './verdicts.js'

export interface RunOptions {
  scheduler: string
  /** The DNS server for names the scheduler does not list (Target.resolver); default the system's. */
  resolver?: string
  /** Target.spread: each link and user on the next address of its group. */
  spread?: boolean
  cases: ConformanceCase[]
  /**
   * The long link's transports (`--transport`; default `['ws']`): every case runs on the first;
   * a case that took the long link by its transport runs again on each of the others, under the
   * same id, each result saying its transport.
   */
  transports?: readonly LinkTransportKind[]
  embedded?: boolean
  timeoutFactor?: number
  /** Cases run at once; each has its own users, so order does not matter. */
  concurrency?: number
  /**
   * Longest announced limit a case may wait out (--max-wait; default 120 s), not scaled by
   * --timeout-factor: a longer one makes the case not applicable.
   */
  maxWaitMs?: number
  strict?: boolean
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  dispatcher?: Dispatcher
  version?: string
  /** Optional features that must be implemented (`--require`): their `unimplemented` cases fail instead. */
  require?: readonly string[]
  /** Stops the run (SIGINT): cases not yet ended get `not-run`; the report is still returned. */
  signal?: AbortSignal
  /**
   * Where exceptions that escape a case's promise surface (`uncaughtException`,
   * `unhandledRejection`); default the process. Listened to only while the run lasts.
   */
  faultSource?: FaultSource
}

/** The part of `process` the runner listens to for escaped exceptions. */
export type FaultSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>

/** The run was stopped while this case ran, or before it started. */
class Interrupted extends Error {}

export interface RunnerEvents {
  start: [{total: number; target: Target}]
  'case-start': [ConformanceCase]
  'case-end': [CaseResult]
  done: [ConformanceReport]
}

/** What a case may take before it fails as hung, before --timeout-factor; a case that `waits` gets --max-wait on top. */
export const CASE_BUDGET_MS = 60_000

/** A case's time budget: the scaled slack, plus --max-wait (unscaled, as needWait judges it) for a case that waits. */
export function caseBudgetMs(c: Pick<ConformanceCase, 'waits'>, factor: number, maxWaitMs: number): number {
  return Math.round(CASE_BUDGET_MS * factor) + (c.waits === undefined ? 0 : maxWaitMs)
}

/** Decides a case's verdict from how its run ended. */
export function verdictFor(c: ConformanceCase, outcome: {ok: true; info?: string | void} | {ok: false; error: unknown}): {verdict: Verdict; message: string} {
  if (outcome.ok) return c.level === 'INFO' ? {verdict: 'info', message: outcome.info ?? ''} : {verdict: 'pass', message: ''}
  const err = outcome.error
  if (err instanceof NotApplicable) return {verdict: 'not-applicable', message: err.message}
  // A broken requirement, or the server answering off-spec, timing out or hanging up.
  if (err instanceof CaseFailure || isImhError(err)) {
    const message = err instanceof CaseFailure ? err.message : `${err.code}: ${err.message}`
    if (c.level === 'INFO') return {verdict: 'info', message: `could not measure: ${message}`}
    return {verdict: c.level === 'MUST' ? 'fail' : 'non-strict', message}
  }
  return {verdict: 'error', message: `harness fault: ${(err as Error)?.stack ?? String(err)}`}
}

/** One escaped exception for the report: its stack (message included) or its value. */
export function describeFault(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err)
}

/**
 * The exit code of `imh conform` for a finished run: INTERRUPTED before anything else, then
 * HARNESS (a broken run) before FAILED (a failing server).
 */
export function exitCodeFor(report: Pick<ConformanceReport, 'summary' | 'faults' | 'interrupted'>): ExitCode {
  if (report.interrupted) return EXIT.INTERRUPTED
  if (report.summary.error > 0 || report.faults.length > 0) return EXIT.HARNESS
  return report.summary.ok ? EXIT.OK : EXIT.FAILED
}

/** The run passes when no MUST case failed and the harness did not fault; --strict adds SHOULDs. */
export function runOk(counts: VerdictCounts, strict: boolean): boolean {
  return counts.fail === 0 && counts.error === 0 && (!strict || counts['non-strict'] === 0)
}

/**
 * Runs conformance cases against a target; emits start, case-start, case-end and done. Never
 * throws for what a case does: an exception inside a case is its verdict, and one that escapes
 * the case's promise (a throw in an event handler or timer, an unhandled rejection) is blamed on
 * the running case when exactly one runs, else recorded in the report's `faults`.
 */
export class ConformanceRunner extends EventEmitter<RunnerEvents> {
  /** The cases running now, each with the function that ends it with an escaped exception. */
  private readonly running = new Map<ConformanceCase, (err: unknown) => void>()
  private readonly faults: string[] = []
  /** Escaped exceptions blamed on a case: its message says so, as the blame is by elimination. */
  private readonly escaped = new WeakSet<object>()

  constructor(private readonly options: RunOptions) {
    super()
  }

  async run(): Promise<ConformanceReport> {
    const o = this.options
    const factor = o.timeoutFactor ?? 1
    const startedAt = new Date()
    const t0 = performance.now()
    const source = o.faultSource ?? process
    const onFault = (err: unknown): void => this.fault(err)
    source.on('uncaughtException', onFault)
    source.on('unhandledRejection', onFault)
    const listenersBefore = o.signal && getMaxListeners(o.signal)
    try {
      const target: Target = {
        scheduler: o.scheduler, resolver: o.resolver, spread: o.spread, answer: undefined, answerError: undefined, ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, dispatcher: o.dispatcher,
      }
      try {
        target.answer = await fetchSchedulerAnswer(o.scheduler, {timeoutMs: 2000 * factor, dispatcher: o.dispatcher})
      } catch (err) {
        target.answerError = (err as Error).message
      }
      this.emit('start', {total: o.cases.length, target})
      const concurrency = o.concurrency ?? 4
      // Each running case listens for the abort: more than Node's default 10 at once is no leak.
      if (o.signal) setMaxListeners(Math.max(listenersBefore!, concurrency + o.cases.filter((c) => c.waits !== undefined).length + 1), o.signal)
      // Cases that wait out a long limit mostly sleep: all start now, outside the limit, so that their
      // waits overlap each other and the rest of the run; the others share --concurrency.
      const waiting = o.cases.map((c) => (c.waits === undefined ? undefined : this.runOnEach(c, target, factor)))
      const limit = pLimit(concurrency)
      const results = (await Promise.all(o.cases.map((c, i) => waiting[i] ?? limit(() => this.runOnEach(c, target, factor))))).flat()
      const counts = countVerdicts(results)
      const strict = o.strict ?? false
      const interrupted = o.signal?.aborted ?? false
      const report: ConformanceReport = {
        tool: {name: 'imharness', version: o.version ?? '0.0.0'},
        protocolVersion: PROTOCOL_VERSION,
        target: {scheduler: o.scheduler, embedded: o.embedded ?? false},
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        strict,
        transports: [...this.transports],
        summary: {...counts, total: results.length, ok: runOk(counts, strict) && this.faults.length === 0 && !interrupted},
        faults: [...this.faults],
        interrupted,
        features: (await this.gate?.findings()) ?? [],
        cases: results,
      }
      this.emit('done', report)
      return report
    } finally {
      if (o.signal) setMaxListeners(listenersBefore!, o.signal)
      source.off('uncaughtException', onFault)
      source.off('unhandledRejection', onFault)
    }
  }

  // --- Capabilities (PROTOCOL.md §2.2, §8): one gate per run, consulted by runCase before a case starts.
  private gate?: FeatureGate

  /** The run's feature gate: decides once per optional feature whether its cases run (feature-gate.ts). */
  private featureGate(target: Target, factor: number): FeatureGate {
    this.gate ??= new FeatureGate(target, {require: this.options.require, context: () => new CaseContext(target, factor, this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, this.transports[0])})
    return this.gate
  }
  // --- end of capabilities

  private get transports(): readonly LinkTransportKind[] {
    const t = this.options.transports
    return t && t.length > 0 ? t : ['ws']
  }

  /** Runs a case on the first transport, and again on each other one if it took the long link by its transport. */
  private async runOnEach(c: ConformanceCase, target: Target, factor: number): Promise<CaseResult[]> {
    const [first, ...others] = this.transports
    const results = [await this.runCase(c, target, factor, first!)]
    if (results[0]!.transport === undefined) return results
    for (const t of others) results.push(await this.runCase(c, target, factor, t))
    return results
  }

  /** An exception escaped a case's promise: only a lone running case can be blamed for it. */
  private fault(err: unknown): void {
    const [only, ...others] = this.running.values()
    if (only && others.length === 0) {
      if (typeof err === 'object' && err !== null) this.escaped.add(err)
      only(err)
    }
    else this.faults.push(`${this.running.size === 0 ? 'while no case ran' : `while ${this.running.size} cases ran (${[...this.running.keys()].map((c) => c.id).join(', ')})`}: ${describeFault(err)}`)
  }

  private async runCase(c: ConformanceCase, target: Target, factor: number, transport: LinkTransportKind): Promise<CaseResult> {
    const signal = this.options.signal
    const base = {id: c.id, flow: c.flow, section: c.section, level: c.level, requirement: c.requirement}
    if (signal?.aborted) {
      const result: CaseResult = {...base, verdict: 'not-run', durationMs: 0, message: 'not run: the run was interrupted'}
      this.emit('case-end', result)
      return result
    }
    // Capabilities: an optional feature the target lacks ends its cases here, before they start (SIGINT during its probe: not run).
    const gated = await this.featureGate(target, factor).check(c)
    const held = signal?.aborted ? {verdict: 'not-run' as const, message: 'not run: the run was interrupted'}
      : gated.run ? undefined
        : 'failure' in gated ? verdictFor(c, {ok: false, error: gated.failure}) : gated
    if (held) {
      const result: CaseResult = {...base, verdict: held.verdict, durationMs: 0, message: held.message}
      this.emit('case-end', result)
      return result
    }
    this.emit('case-start', c)
    const t0 = performance.now()
    let outcome: Parameters<typeof verdictFor>[1]
    let ctx: CaseContext | undefined
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    try {
      const maxWaitMs = this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS
      ctx = new CaseContext(target, factor, maxWaitMs, transport)
      const budget = caseBudgetMs(c, factor, maxWaitMs)
      // Whichever ends the case first: the case itself, its time budget, an escaped exception blamed on it, or SIGINT.
      const stopped = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CaseFailure(`case did not finish within ${budget} ms`)), budget)
        this.running.set(c, reject)
        ctx!.onEscape(reject)
        onAbort = () => reject(new Interrupted(`interrupted after ${Math.round(performance.now() - t0)} ms: no verdict`))
        signal?.addEventListener('abort', onAbort, {once: true})
      })
      outcome = {ok: true, info: await Promise.race([c.run(ctx), stopped])}
    } catch (error) {
      outcome = {ok: false, error}
    } finally {
      clearTimeout(timer)
      this.running.delete(c)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
    try {
      await ctx?.cleanup()
    } catch (error) {
      // A cleanup that throws is the harness's fault; it does not hide a verdict already reached.
      if (outcome.ok) outcome = {ok: false, error}
    }
    let {verdict, message} = outcome.ok || !(outcome.error instanceof Interrupted) ? verdictFor(c, outcome) : {verdict: 'not-run' as const, message: outcome.error.message}
    if (!outcome.ok && typeof outcome.error === 'object' && outcome.error !== null && this.escaped.has(outcome.error)) {
      message = `escaped as an uncaught exception or unhandled rejection while this case alone ran: ${message}`
    }
    const result: CaseResult = {...base, verdict, ...(ctx?.usedTransport ? {transport} : {}), durationMs: Math.round(performance.now() - t0), message}
    if ((verdict === 'fail' || verdict === 'non-strict' || verdict === 'error') && ctx) result.trace = ctx.trace.entries
    this.emit('case-end', result)
    return result
  }
}

import {EventEmitter} from 'node:events'
import pLimit from 'p-limit'
import type {Dispatcher} from 'undici'
import {fetchSchedulerAnswer} from '../client/resolve.js'
import {PROTOCOL_VERSION, isImhError} from '../protocol/index.js'
import {CaseContext, type Target} from './context.js'
import {CaseFailure, NotApplicable} from './failures.js'
import {type CaseResult, type ConformanceCase, type ConformanceReport, type Verdict, type VerdictCounts} from './types.js'
import {countVerdicts} from './verdicts.js'

export interface RunOptions {
  scheduler: string
  /** The DNS server for names the scheduler does not list (Target.resolver); default the system's. */
  resolver?: string
  cases: ConformanceCase[]
  embedded?: boolean
  timeoutFactor?: number
  /** Cases run at once; each has its own users, so order does not matter. */
  concurrency?: number
  /** Longest time-out a case may wait for, before --timeout-factor (default 20 s). */
  maxWaitMs?: number
  strict?: boolean
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  dispatcher?: Dispatcher
  version?: string
}

export interface RunnerEvents {
  start: [{total: number; target: Target}]
  'case-start': [ConformanceCase]
  'case-end': [CaseResult]
  done: [ConformanceReport]
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

/** The run passes when no MUST case failed and the harness did not fault; --strict adds SHOULDs. */
export function runOk(counts: VerdictCounts, strict: boolean): boolean {
  return counts.fail === 0 && counts.error === 0 && (!strict || counts['non-strict'] === 0)
}

/** Runs conformance cases against a target; emits start, case-start, case-end and done. */
export class ConformanceRunner extends EventEmitter<RunnerEvents> {
  constructor(private readonly options: RunOptions) {
    super()
  }

  async run(): Promise<ConformanceReport> {
    const o = this.options
    const factor = o.timeoutFactor ?? 1
    const startedAt = new Date()
    const t0 = performance.now()
    const target: Target = {
      scheduler: o.scheduler, resolver: o.resolver, answer: undefined, answerError: undefined, ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, dispatcher: o.dispatcher,
    }
    try {
      target.answer = await fetchSchedulerAnswer(o.scheduler, {timeoutMs: 2000 * factor, dispatcher: o.dispatcher})
    } catch (err) {
      target.answerError = (err as Error).message
    }
    this.emit('start', {total: o.cases.length, target})
    const limit = pLimit(o.concurrency ?? 4)
    const results = await Promise.all(o.cases.map((c) => limit(() => this.runCase(c, target, factor))))
    const counts = countVerdicts(results)
    const strict = o.strict ?? false
    const report: ConformanceReport = {
      tool: {name: 'imharness', version: o.version ?? '0.0.0'},
      protocolVersion: PROTOCOL_VERSION,
      target: {scheduler: o.scheduler, embedded: o.embedded ?? false},
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      strict,
      summary: {...counts, total: results.length, ok: runOk(counts, strict)},
      cases: results,
    }
    this.emit('done', report)
    return report
  }

  private async runCase(c: ConformanceCase, target: Target, factor: number): Promise<CaseResult> {
    this.emit('case-start', c)
    const ctx = new CaseContext(target, factor, this.options.maxWaitMs ?? 20_000)
    const t0 = performance.now()
    const budget = ctx.ms(60_000)
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CaseFailure(`case did not finish within ${budget} ms`)), budget)
    })
    let outcome: Parameters<typeof verdictFor>[1]
    try {
      outcome = {ok: true, info: await Promise.race([c.run(ctx), deadline])}
    } catch (error) {
      outcome = {ok: false, error}
    } finally {
      clearTimeout(timer)
      await ctx.cleanup()
    }
    const {verdict, message} = verdictFor(c, outcome)
    const result: CaseResult = {id: c.id, flow: c.flow, section: c.section, level: c.level, requirement: c.requirement, verdict, durationMs: Math.round(performance.now() - t0), message}
    if (verdict === 'fail' || verdict === 'non-strict' || verdict === 'error') result.trace = ctx.trace.entries
    this.emit('case-end', result)
    return result
  }
}

import type {LatencyHistogram} from '../common/histogram.js'
import {randomBytes} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {realClock} from './clock.js'
import {planFor, shardShare, type Shard} from './executors/index.js'
import {joinReports} from './metrics/joined-counter.js'
import type {MetricDefinition} from './metrics/metric-definition.js'
import {MetricsAggregate, decodeDelta} from './metrics/registry.js'
import {evaluateThresholds, shouldAbort, validateThresholds} from './metrics/thresholds.js'
import {isBehind, judgeRates, rateAchieved, rateTargets, requestedIn, type RateTarget} from './rate-check.js'
import {runMeta} from './run-meta.js'
import {resolveAdapter} from './adapters/load-adapter.js'
import {isBuiltinAdapter} from './adapters/builtin.js'
import type {LoadUrls} from './scenarios/context.js'
import {type ScenarioKind, scenarioModule} from './scenarios/index.js'
import {TimeSeries} from './time-series.js'
import type {Clock, MetricsDelta, Profile, ProfileOverrides, RunEvents, RunMeta, RunResult, TickSample} from './types.js'
import type {FromWorker, ToWorker} from './worker-protocol.js'
import {startWorkers, type WorkerHandle, type WorkerPool, type WorkerPoolEvents, type WorkerPoolFactory} from './worker-pool.js'
import {isImhError} from '../protocol/index.js'

export interface LoadRunOptions {
  profile: Profile
  urls: LoadUrls
  /** What the user aimed at, for the report. */
  target: string
  embeddedServer: boolean
  overrides?: ProfileOverrides
  tls?: {ca?: string; rejectUnauthorized?: boolean}
  clock?: Clock
  /** Where the workers come from: forked here by default; agents for `imh load --distributed`. */
  pool?: WorkerPoolFactory
  /**
   * Keep going when an agent is lost (`--tolerate-agent-loss`): its share is recorded as lost in
   * meta.agents and the run is judged on the rest. Otherwise the run fails with IMH_ERR_AGENT_LOST.
   */
  tolerateAgentLoss?: boolean
  /** From everyone ready to the schedule's start: time for the start message to reach every worker. */
  startDelayMs?: number
  /** This run is shard `index` of `count` run separately (`imh load --shard`): it runs that share of the profile. */
  shard?: Shard
}

const FINAL_TIMEOUT_MS = 30_000
const START_DELAY_MS = 250

/**
 * The coordinator: starts workers, gives each its share, adds their encoded histograms and
 * counters (never averages a percentile), judges thresholds during the run and at the end, and
 * emits start / tick / note / done.
 */
export class LoadRun extends EventEmitter<RunEvents> {
  private readonly clock: Clock
  private readonly agg = new MetricsAggregate()
  /** Each worker's final reports of joined counters. */
  private readonly reports: Record<string, unknown>[] = []
  private readonly lagBySecond = new Map<number, Set<number>>()
  private readonly maxLag = new Map<number, number>()
  private handles: readonly WorkerHandle[] = []
  private pool: WorkerPool | undefined
  /** Workers of lost agents (tolerated): nothing more is awaited from them. */
  private readonly gone = new Set<number>()
  private readonly seen = {ready: new Set<number>(), sendingDone: new Set<number>(), final: new Set<number>()}
  private readonly lostAgents = new Map<string, {atMs: number; reason: string}>()
  private series: TimeSeries | undefined
  private meta: RunMeta | undefined
  private startAtMs = 0
  private phase: 'init' | 'running' | 'draining' | 'finishing' | 'done' = 'init'
  private aborted: RunResult['aborted']
  private runError: RunResult['runError']
  private timers: NodeJS.Timeout[] = []
  private lastSecond = 0
  private readonly scheduleEndSecond: number
  private readonly rateTargets: RateTarget[]
  private readonly behindNoted = new Set<string>()
  private readonly rateSoFar = new Map<string, {requested: number; done: number}>()
  private resolveRun: ((r: RunResult) => void) | undefined

  constructor(private readonly o: LoadRunOptions) {
    super()
    this.clock = o.clock ?? realClock
    this.scheduleEndSecond = Math.ceil(Math.max(...o.profile.scenarios.map((s) => s.startTimeMs + planFor(s.spec).durationMs)) / 1000)
    validateThresholds(o.profile.thresholds)
    this.rateTargets = rateTargets(o.profile, o.shard)
  }

  /**
   * The run's totals so far, merged over workers, for live outputs (the Prometheus exporter): read
   * them, never change them. Percentiles come from the merged histograms, as at the end.
   */
  get live(): {latencies: ReadonlyMap<string, LatencyHistogram>; counters: Record<string, number>; errors: Record<string, number>} {
    return {latencies: this.agg.latencies(), counters: this.agg.counters(), errors: this.agg.errors()}
  }

  get workerCount(): number {
    return Math.max(1, this.o.profile.options.workers)
  }

  async run(): Promise<RunResult> {
    const p = this.o.profile
    this.meta = runMeta({profile: p, target: this.o.target, embeddedServer: this.o.embeddedServer, workers: p.options.workers, overrides: this.o.overrides ?? {}, startedAt: new Date(), shard: this.o.shard})
    const done = new Promise<RunResult>((resolve) => (this.resolveRun = resolve))
    if (p.options.adapter !== undefined) {
      // Loaded here too, before any worker starts: a module that is missing or breaks the contract
      // fails the run at once, and the results say what its protocol promised.
      try {
        const a = await resolveAdapter(p.options.adapter, p.options.adapterOptions, p.file)
        this.meta.adapter = {name: a.adapter.name, ...(isBuiltinAdapter(a.spec) ? {} : {module: a.spec}), guarantees: a.guarantees}
      } catch (err) {
        this.fail(isImhError(err) ? err.code : 'IMH_ERR_ADAPTER_INVALID', (err as Error).message)
        return done
      }
    }
    const events = new EventEmitter<WorkerPoolEvents>()
    events.on('message', (i, m) => this.onMessage(i, m))
    events.on('lost', (_i, reason) => this.fail('IMH_ERR_WORKER_FAILED', reason))
    events.on('agent-lost', (agent, indices, reason) => this.loseAgent(agent, indices, reason))
    // Scenarios may overlap in time: their peaks summed bound what one worker holds at once (of its shard's part).
    const vusPerWorker = Math.ceil(p.scenarios.reduce((n, s) => n + planFor(s.spec).maxVUs, 0) / (this.workerCount * (this.o.shard?.count ?? 1)))
    try {
      this.pool = await (this.o.pool ?? localPool(p.options.workers, this.o.shard))(events, vusPerWorker)
    } catch (err) {
      this.fail(isImhError(err) ? err.code : 'IMH_ERR_WORKER_FAILED', (err as Error).message)
      return done
    }
    this.handles = this.pool.handles
    if (this.pool.agents) {
      this.meta.agents = this.pool.agents()
      this.meta.workers = this.handles.length
    }
    const runId = randomBytes(4).toString('hex')
    for (const h of this.handles) {
      h.send({type: 'init', worker: h.share.worker, workers: h.share.workers, ...(this.o.shard ? {shard: this.o.shard} : {}), runId, profile: p, urls: this.o.urls, tls: this.o.tls ?? {}})
    }
    return done
  }

  /** Ends the schedule early (Ctrl-C); the drain and the report still happen. */
  interrupt(reason = 'interrupted'): void {
    if (this.phase === 'running') this.abort(reason)
    else if (this.phase === 'draining') this.finish()
    else if (this.phase === 'init') this.fail('IMH_ERR_WORKER_FAILED', reason)
  }

  private broadcast(m: ToWorker, except?: number): void {
    if (this.pool?.broadcast) return this.pool.broadcast(m, except)
    for (const h of this.handles) if (h.index !== except) h.send(m)
  }

  /** Whether every worker still expected has sent `kind` (workers of a tolerated lost agent are not). */
  private everyone(kind: keyof LoadRun['seen'], index?: number): boolean {
    if (index !== undefined) this.seen[kind].add(index)
    return this.handles.every((h) => this.seen[kind].has(h.index) || this.gone.has(h.index))
  }

  private labelOf(index: number): string {
    return this.handles.find((h) => h.index === index)?.label ?? `worker ${index}`
  }

  private loseAgent(agent: string, indices: number[], reason: string): void {
    if (this.phase === 'done' || this.lostAgents.has(agent)) return
    const atMs = this.startAtMs ? Math.round(this.clock.now() - this.startAtMs) : 0
    this.lostAgents.set(agent, {atMs, reason})
    for (const i of indices) {
      this.gone.add(i)
      this.series?.forget(i)
    }
    const line = `agent ${agent} lost: ${reason}; the work of its share after ${(atMs / 1000).toFixed(1)} s was not done`
    if (!this.o.tolerateAgentLoss) return this.fail('IMH_ERR_AGENT_LOST', line)
    this.emit('note', `${line} (tolerated)`)
    if (this.handles.every((h) => this.gone.has(h.index))) return this.fail('IMH_ERR_AGENT_LOST', 'every agent of the run was lost')
    // What the lost workers will never send may be all that was still awaited.
    if (this.phase === 'init' && this.everyone('ready')) this.start()
    else if (this.phase === 'running' && this.everyone('sendingDone')) this.drain()
    else if (this.phase === 'finishing' && this.everyone('final')) this.complete()
  }

  private onMessage(i: number, m: FromWorker): void {
    if (this.phase === 'done') return
    switch (m.type) {
      case 'ready':
        if (this.everyone('ready', i)) this.start()
        break
      case 'directory':
        this.broadcast(m, i)
        break
      case 'delta':
        this.addDelta(i, m.atMs, m.delta, m.vus, m.lagMs)
        break
      case 'sending-done':
        if (this.everyone('sendingDone', i)) this.drain()
        break
      case 'final':
        if (this.seen.final.has(i)) break
        this.agg.addDelta(m.delta)
        this.reports.push(m.reports)
        if (this.everyone('final', i)) this.complete()
        break
      case 'failed':
        this.fail(m.code, `worker ${i}: ${m.message}`)
        break
    }
  }

  private addDelta(worker: number, atMs: number, delta: MetricsDelta, vus: number, lag: number): void {
    const decoded = decodeDelta(delta)
    this.agg.addDecoded(decoded)
    if (!this.series) return
    this.series.add(worker, atMs, decoded, vus, lag)
    const second = this.series.secondOf(atMs)
    // Stalls after the schedule (thousands of clients stopping at once) delay no measurement
    // of the run; the time series still shows them.
    if (second > this.scheduleEndSecond) return
    this.maxLag.set(worker, Math.max(this.maxLag.get(worker) ?? 0, lag))
    if (lag > this.o.profile.options.maxEventLoopLagMs) {
      let set = this.lagBySecond.get(worker)
      if (!set) this.lagBySecond.set(worker, (set = new Set()))
      if (!set.has(second) && set.size === 0) this.emit('note', `${this.labelOf(worker)} is saturated: event-loop lag ${lag.toFixed(0)} ms`)
      set.add(second)
    }
  }

  private start(): void {
    if (this.phase !== 'init') return
    this.phase = 'running'
    this.startAtMs = this.clock.now() + (this.o.startDelayMs ?? START_DELAY_MS)
    this.series = new TimeSeries(this.startAtMs, this.o.profile.options.maxEventLoopLagMs, this.handles.length - this.gone.size)
    this.broadcast({type: 'start', startAtMs: this.startAtMs})
    this.emit('start', {meta: this.meta!, scheduleMs: this.scheduleEndSecond * 1000})
    const timer = setInterval(() => this.onSecond(), 250)
    this.timers.push(timer)
    // A schedule that never ends is a bug somewhere; bound it all the same.
    const longest = Math.max(...this.o.profile.scenarios.map((s) => s.startTimeMs + planFor(s.spec).durationMs + s.spec.gracefulStopMs))
    this.timers.push(setTimeout(() => this.fail('IMH_ERR_WORKER_FAILED', 'workers did not end their schedules in time'), longest + 60_000))
  }

  private onSecond(): void {
    const second = Math.floor((this.clock.now() - this.startAtMs - 300) / 1000)
    if (second <= this.lastSecond || !this.series) return
    this.lastSecond = second
    const tick = this.series.sample(second)
    this.emit('tick', tick)
    this.noteBehind(tick)
    if (this.phase !== 'running') return
    const elapsed = this.clock.now() - this.startAtMs
    const outcomes = evaluateThresholds(this.o.profile.thresholds, this.agg, elapsed, {final: false})
    if (shouldAbort(outcomes, this.o.profile.thresholds, elapsed)) {
      const failed = outcomes.filter((t) => !t.ok && t.abortOnFail).map((t) => `${t.metric} ${t.expression}`)
      this.abort(`threshold failed with abortOnFail: ${failed.join(', ')}`)
    }
  }

  // Like the saturation note: said once per target, the first second its work lags the schedule.
  private noteBehind(tick: TickSample): void {
    if (tick.second > this.scheduleEndSecond) return
    for (const t of this.rateTargets) {
      const key = t.scenarios.join('+')
      const so = this.rateSoFar.get(key) ?? {requested: 0, done: 0}
      so.requested += requestedIn(t, tick.second, tick.vus)
      so.done += tick.counters[t.counter] ?? 0
      this.rateSoFar.set(key, so)
      if (this.behindNoted.has(key) || !isBehind(so.requested, so.done)) continue
      this.behindNoted.add(key)
      this.emit('note', `${key} is behind its rate: ${so.done} ${t.unit} done by second ${tick.second}, ${Math.round(so.requested)} asked for`)
    }
  }

  private abort(reason: string): void {
    if (this.aborted) return
    this.aborted = {reason, atMs: this.clock.now() - this.startAtMs}
    this.emit('note', `aborting: ${reason}`)
    this.broadcast({type: 'stop'})
  }

  private drain(): void {
    if (this.phase !== 'running') return
    this.phase = 'draining'
    const deadline = this.clock.now() + this.o.profile.options.drainMs
    const pending = (): number => this.agg.counter('acked') - this.agg.counter('delivered')
    if (pending() <= 0) return this.finish()
    this.emit('note', `draining: waiting up to ${(this.o.profile.options.drainMs / 1000).toFixed(0)} s for ${pending()} acknowledged messages to arrive`)
    const timer = setInterval(() => {
      if (this.phase !== 'draining') return clearInterval(timer)
      if (pending() <= 0 || this.clock.now() >= deadline) {
        clearInterval(timer)
        this.finish()
      }
    }, 100)
    this.timers.push(timer)
  }

  private finish(): void {
    if (this.phase === 'finishing' || this.phase === 'done') return
    this.phase = 'finishing'
    this.broadcast({type: 'finish'})
    this.timers.push(setTimeout(() => {
      const missing = this.handles.filter((h) => !this.seen.final.has(h.index) && !this.gone.has(h.index)).map((h) => h.label)
      this.fail('IMH_ERR_WORKER_FAILED', `${missing.join(', ')} sent no final report within ${FINAL_TIMEOUT_MS / 1000} s`)
      this.complete()
    }, FINAL_TIMEOUT_MS))
  }

  private fail(code: string, message: string): void {
    if (this.phase === 'done') return
    this.runError ??= {code, message}
    this.emit('note', `run error ${code}: ${message}`)
    if (this.phase === 'init') return this.complete()
    this.broadcast({type: 'stop'})
    this.finish()
  }

  private complete(): void {
    if (this.phase === 'done') return
    this.phase = 'done'
    for (const t of this.timers) clearTimeout(t)
    for (const h of this.handles) h.kill()
    void this.pool?.close?.().catch(() => undefined)
    const p = this.o.profile
    // Counters a scenario that ran declares with reportZero are reported even at 0; joined ones
    // (chat's `lost`) only this process can count, from every worker's final reports.
    const joined: Record<string, unknown[]> = {}
    for (const m of zeroReportedCounters(p.scenarios.map((s) => s.scenario))) {
      this.agg.set(m.name, m.join ? joinReports(m.name, m.join, this.reports) : this.agg.counter(m.name))
      if (m.join) joined[m.name] = this.reports.flatMap((r) => (m.name in r ? [r[m.name]] : []))
    }
    if (p.scenarios.some((s) => s.spec.executor.endsWith('arrival-rate'))) this.agg.set('dropped_iterations', this.agg.counter('dropped_iterations'))
    this.agg.set('errors', this.agg.counter('errors'))
    const elapsed = this.startAtMs ? this.clock.now() - this.startAtMs : 0
    const bound = p.options.maxEventLoopLagMs
    // On agents a worker's index alone does not say which machine: its label does ("agent gen-1 worker 0").
    const agentLabel = (worker: number) => (this.pool?.agents ? {label: this.labelOf(worker)} : {})
    const workers = [...this.maxLag].map(([worker, max]) => ({worker, ...agentLabel(worker), maxLagMs: max, saturatedSeconds: this.lagBySecond.get(worker)?.size ?? 0}))
    const series = this.series?.all() ?? []
    const rate = judgeRates(this.rateTargets, series, this.agg.counters())
    const achieved = rateAchieved(rate)
    const agents = this.pool?.agents?.().map((a) => (this.lostAgents.has(a.id) ? {...a, lost: this.lostAgents.get(a.id)!} : a))
    const result: RunResult = {
      meta: {...this.meta!, durationMs: Math.round(elapsed), ...(agents ? {agents} : {})},
      metrics: this.agg.summaries(),
      counters: this.agg.counters(),
      errors: this.agg.errors(),
      thresholds: evaluateThresholds(p.thresholds, this.agg, elapsed, {final: true, ratios: achieved === undefined ? {} : {rate_achieved: achieved}}),
      saturation: {flagged: workers.some((w) => w.saturatedSeconds > 0), boundMs: bound, judgedSeconds: this.scheduleEndSecond, maxEventLoopLagMs: Math.max(0, ...workers.map((w) => w.maxLagMs)), workers},
      rate,
      timeSeries: series,
      ...(this.aborted ? {aborted: this.aborted} : {}),
      ...(this.runError ? {runError: this.runError} : {}),
      ...(Object.keys(joined).length > 0 ? {joined} : {}),
    }
    this.emit('done', result)
    this.resolveRun?.(result)
  }
}

/** The counters the modules of `kinds` declare with `reportZero`, each once. */
function zeroReportedCounters(kinds: ScenarioKind[]): MetricDefinition[] {
  const byName = new Map<string, MetricDefinition>()
  for (const kind of new Set(kinds)) for (const m of scenarioModule(kind).metrics) if (m.kind === 'counter' && m.reportZero) byName.set(m.name, m)
  return [...byName.values()]
}

/** The default pool: `count` worker processes forked on this machine (0: one inside this process), of shard `shard` when given. */
function localPool(count: number, shard: Shard | undefined): WorkerPoolFactory {
  return async (events, vusPerWorker) => ({handles: startWorkers(count, events, vusPerWorker, (index) => shardShare(shard, index, Math.max(1, count)))})
}

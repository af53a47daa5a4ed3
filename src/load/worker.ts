import pLimit from 'p-limit'
import {realClock} from './clock.js'
import {planFor} from './executors/index.js'
import type {ExecutorPlan} from './executors/plan.js'
import {prepareArrivals, runArrivals, type VuPool} from './executors/run-arrivals.js'
import {runVus} from './executors/run-vus.js'
import type {VirtualUser, VuFactory} from './executors/virtual-user.js'
import {LagMonitor} from './lag-monitor.js'
import {Tallies} from './metrics/joined-counter.js'
import {MetricsRecorder} from './metrics/registry.js'
import {seededRandom} from '../common/random.js'
import {type ScenarioContext, errorCode} from './scenarios/context.js'
import {Directory} from './scenarios/directory.js'
import {factoryFor} from './scenarios/index.js'
import {resolveAdapter} from './adapters/load-adapter.js'
import {SourceAddresses} from './source-addresses.js'
import type {Clock, Profile, ScenarioSpec} from './types.js'
import type {FromWorker, ToWorker} from './worker-protocol.js'

interface Prepared {
  spec: ScenarioSpec
  ctx: ScenarioContext
  plan: ExecutorPlan
  factory: VuFactory
  pool?: VuPool
}

const CLOSE_DEADLINE_MS = 15_000

/**
 * One load-generating process: runs its share of every scenario's schedule and ships metric
 * deltas to the coordinator. It never judges anything; the coordinator merges and decides.
 */
export class LoadWorker {
  private readonly recorder = new MetricsRecorder()
  private readonly tallies = new Tallies()
  private readonly lag = new LagMonitor()
  private readonly stop = new AbortController()
  private readonly gauges = {connected: 0}
  private readonly directory: Directory
  private readonly pendingEntries: Array<[string, string]> = []
  private readonly prepared: Prepared[] = []
  private readonly open: VirtualUser[] = []
  private addresses = new SourceAddresses(0)
  private profile: Profile | undefined
  private share = {worker: 0, workers: 1}
  private tickTimer: NodeJS.Timeout | undefined
  private directoryTimer: NodeJS.Timeout | undefined
  private startAtMs = 0

  constructor(private readonly send: (m: FromWorker) => void, private readonly clock: Clock = realClock) {
    this.directory = new Directory((entries) => {
      this.pendingEntries.push(...entries)
      this.directoryTimer ??= setTimeout(() => this.flushDirectory(), 50)
    })
  }

  async handle(m: ToWorker): Promise<void> {
    try {
      if (m.type === 'init') await this.init(m)
      else if (m.type === 'start') this.begin(m.startAtMs)
      else if (m.type === 'directory') this.directory.learn(m.entries)
      else if (m.type === 'stop') this.stop.abort()
      else if (m.type === 'finish') await this.finish()
    } catch (err) {
      this.send({type: 'failed', code: errorCode(err), message: (err as Error).message})
    }
  }

  private async init(m: Extract<ToWorker, {type: 'init'}>): Promise<void> {
    const profile = (this.profile = m.profile)
    this.share = {worker: m.worker, workers: m.workers}
    this.addresses = new SourceAddresses(profile.options.sourceAddresses)
    const random = seededRandom(profile.options.seed * 7919 + m.worker)
    // Every worker (and agent) imports the adapter itself: a module cannot cross processes.
    const adapter = profile.options.adapter === undefined ? undefined : await resolveAdapter(profile.options.adapter, profile.options.adapterOptions, profile.file)
    for (const spec of profile.scenarios) {
      const plan = planFor(spec.spec)
      const ctx: ScenarioContext = {
        name: spec.name, options: spec.options, plan, runId: m.runId, urls: m.urls, recorder: this.recorder, clock: this.clock, addresses: this.addresses,
        tallies: this.tallies, directory: this.directory.scope(spec.name), gauges: this.gauges, tls: m.tls, transport: profile.options.transport, random, startedAt: 0, ...(adapter ? {adapter} : {}), ...(m.shard ? {shard: m.shard} : {}),
      }
      this.prepared.push({spec, ctx, plan, factory: factoryFor(spec.scenario, ctx)})
    }
    this.scheduleTick(1000)
    for (const p of this.prepared) {
      if (p.plan.kind !== 'arrival') continue
      p.pool = await prepareArrivals(p.plan, p.factory, {share: this.share, signal: this.stop.signal, rampConcurrency: profile.options.rampConcurrency, onError: (err) => this.recorder.error(errorCode(err))})
    }
    this.flushDirectory()
    this.send({type: 'ready'})
  }

  private begin(startAtMs: number): void {
    this.startAtMs = startAtMs
    this.scheduleTick()
    void Promise.all(this.prepared.map((p) => this.runScenario(p)))
      .then(() => {
        this.send({type: 'sending-done'})
        this.scheduleTick(250)
      })
      .catch((err) => this.send({type: 'failed', code: errorCode(err), message: (err as Error).message}))
  }

  private async runScenario(p: Prepared): Promise<void> {
    const profile = this.profile!
    const signal = this.stop.signal
    p.ctx.startedAt = this.startAtMs + p.spec.startTimeMs
    await this.clock.sleep(p.ctx.startedAt - this.clock.now(), signal).catch(() => undefined)
    if (signal.aborted) {
      if (p.pool) this.open.push(...p.pool.vus)
      return
    }
    // Errors a scenario's loop ends with were counted by the scenario when they happened.
    const onError = (err: unknown, phase?: string): void => {
      if (phase !== 'loop') this.recorder.error(errorCode(err))
    }
    const vus = p.plan.kind === 'vus'
      ? await runVus(p.plan, p.factory, {clock: this.clock, share: this.share, signal, startMs: p.ctx.startedAt, rampConcurrency: profile.options.rampConcurrency, onError})
      : await runArrivals(p.plan, p.pool!, {clock: this.clock, share: this.share, signal, startMs: p.ctx.startedAt, onError, onDropped: () => this.recorder.add('dropped_iterations'), onIteration: () => this.recorder.add('iterations_started')})
    this.open.push(...vus)
  }

  private async finish(): Promise<void> {
    this.stop.abort()
    this.stopTick()
    const limit = pLimit(this.profile?.options.rampConcurrency ?? 100)
    const closing = Promise.all(this.open.map((vu) => limit(() => vu.close(2000).catch(() => undefined))))
    // The deadline is cancelled once every VU closed: a pending timer would keep an in-process
    // worker (--workers 0) alive for the whole deadline after the run.
    const deadline = new AbortController()
    await Promise.race([closing, this.clock.sleep(CLOSE_DEADLINE_MS, deadline.signal).catch(() => undefined)])
    deadline.abort()
    await this.addresses.close()
    this.lag.stop()
    this.send({type: 'final', delta: this.recorder.takeDelta(), reports: this.tallies.reports(), lagMs: this.lag.takeMaxMs()})
  }

  private flushDirectory(): void {
    if (this.directoryTimer) clearTimeout(this.directoryTimer)
    this.directoryTimer = undefined
    if (this.pendingEntries.length > 0) this.send({type: 'directory', entries: this.pendingEntries.splice(0)})
  }

  /** Before the start: every `everyMs`; after it: on the run's second boundaries (or every `everyMs`). */
  private scheduleTick(everyMs?: number): void {
    this.stopTick()
    const delay = everyMs ?? 1000 - ((this.clock.now() - this.startAtMs) % 1000 + 1000) % 1000
    this.tickTimer = setTimeout(() => {
      this.tick()
      this.scheduleTick(everyMs)
    }, Math.max(1, delay))
    this.tickTimer.unref()
  }

  private stopTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer)
    this.tickTimer = undefined
  }

  private tick(): void {
    this.send({type: 'delta', atMs: this.clock.now(), delta: this.recorder.takeDelta(), vus: this.gauges.connected, lagMs: this.lag.takeMaxMs()})
  }
}

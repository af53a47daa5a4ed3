import {EventEmitter, defaultMaxListeners, getMaxListeners} from 'node:events'
import {describe, expect, it} from 'vitest'
import {ImhError} from '../protocol/index.js'
import {sleep} from './context.js'
import {CASE_BUDGET_MS, ConformanceRunner, caseBudgetMs} from './runner.js'
import type {ConformanceCase} from './types.js'

// Nothing listens there: the scheduler answer is missing, which these cases do not need.
const SCHEDULER = 'http://127.0.0.1:1/dns'
const mk = (id: string, run: ConformanceCase['run'], waits?: string): ConformanceCase => ({id, flow: 'x', section: '1', level: 'MUST', requirement: 'r', waits, run})

function runner(cases: ConformanceCase[], extra: {concurrency?: number; signal?: AbortSignal; maxWaitMs?: number} = {}): ConformanceRunner {
  return new ConformanceRunner({scheduler: SCHEDULER, cases, faultSource: new EventEmitter(), ...extra})
}

describe('ConformanceRunner: cases that wait out a long limit', () => {
  it('starts them before the others, even at --concurrency 1, and reports every case in catalogue order', async () => {
    const started: string[] = []
    const cases = [
      mk('x.quick-1', async () => {}),
      mk('x.long-1', async () => sleep(30), 'idleTimeoutMs'),
      mk('x.quick-2', async () => {}),
      mk('x.long-2', async () => sleep(10), 'holdMs'),
    ]
    const r = runner(cases, {concurrency: 1})
    r.on('case-start', (c) => started.push(c.id))
    const report = await r.run()
    expect(started).toEqual(['x.long-1', 'x.long-2', 'x.quick-1', 'x.quick-2'])
    expect(report.cases.map((c) => [c.id, c.verdict])).toEqual([['x.quick-1', 'pass'], ['x.long-1', 'pass'], ['x.quick-2', 'pass'], ['x.long-2', 'pass']])
  })

  it('waits them out at once, besides the --concurrency limit: the run lasts about the longest wait, not their sum', async () => {
    const wait = 300
    const cases = [
      ...Array.from({length: 5}, (_, i) => mk(`x.long-${i}`, async () => sleep(wait), 'ringTimeoutMs')),
      ...Array.from({length: 3}, (_, i) => mk(`x.quick-${i}`, async () => sleep(wait / 3))),
    ]
    const t0 = performance.now()
    const report = await runner(cases, {concurrency: 1}).run()
    const took = performance.now() - t0
    expect(report.summary.pass).toBe(8)
    // In turn they would take 5 × 300 + 300 ms; the quick cases run one by one beside the waits.
    expect(took).toBeLessThan(3 * wait)
  })

  it('makes a case not applicable when its wait exceeds --max-wait, and says to raise --max-wait', async () => {
    const report = await runner([mk('x.long', async (ctx) => {
      ctx.needWait('positionTtlMs', 5000)
    }, 'positionTtlMs')], {maxWaitMs: 2000}).run()
    expect(report.cases[0]).toMatchObject({verdict: 'not-applicable', message: expect.stringMatching(/^positionTtlMs is 5000 ms .*longer than --max-wait 2 s; raise --max-wait to 5 or more/)})
    expect(report.summary.ok).toBe(true)
  })

  it('gives a waiting case --max-wait (unscaled) on top of the scaled budget of every case', () => {
    expect(caseBudgetMs({}, 1, 120_000)).toBe(CASE_BUDGET_MS)
    expect(caseBudgetMs({waits: 'idleTimeoutMs'}, 1, 120_000)).toBe(CASE_BUDGET_MS + 120_000)
    expect(caseBudgetMs({waits: 'idleTimeoutMs'}, 2, 120_000)).toBe(2 * CASE_BUDGET_MS + 120_000)
  })

  it('lets every waiting case listen for the abort without a MaxListenersExceededWarning, and restores the signal after', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      const stop = new AbortController()
      const cases = Array.from({length: 20}, (_, i) => mk(`x.long-${i}`, async () => sleep(20), 'idleTimeoutMs'))
      const report = await runner(cases, {signal: stop.signal}).run()
      await sleep(10)
      expect(report.summary.pass).toBe(20)
      expect(warnings).not.toContain('MaxListenersExceededWarning')
      expect(getMaxListeners(stop.signal)).toBe(defaultMaxListeners)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('fails the case whose client emits an error nothing hears (a heartbeat timing out while it waits), not the run', async () => {
    const cases = [
      mk('x.long', async (ctx) => {
        const client = new EventEmitter()
        ctx.guard(client)
        setTimeout(() => client.emit('error', new ImhError('IMH_ERR_TIMEOUT', 'NOOP seq 4: no reply within 5000 ms')), 10)
        await sleep(60_000)
      }, 'positionTtlMs'),
      mk('x.heard', async (ctx) => {
        const client = new EventEmitter()
        ctx.guard(client)
        const heard: unknown[] = []
        client.on('error', (err) => heard.push(err))
        client.emit('error', new Error('collected by the case'))
        if (heard.length !== 1) throw new Error('the case did not hear its error')
      }),
      mk('x.beside', async () => sleep(50)),
    ]
    const report = await runner(cases).run()
    expect(report.cases.map((c) => [c.id, c.verdict, c.message])).toEqual([
      ['x.long', 'fail', 'IMH_ERR_TIMEOUT: NOOP seq 4: no reply within 5000 ms'], ['x.heard', 'pass', ''], ['x.beside', 'pass', ''],
    ])
    expect(report.faults).toEqual([])
  })

  it('stops a waiting case on abort like any other: it and the cases not started are not-run', async () => {
    const stop = new AbortController()
    const cases = [
      mk('x.first', async () => {
        setTimeout(() => stop.abort(), 20)
        await sleep(60_000)
      }),
      mk('x.long', async () => sleep(60_000), 'idleTimeoutMs'),
      mk('x.later', async () => {}),
    ]
    const t0 = performance.now()
    const report = await runner(cases, {concurrency: 1, signal: stop.signal}).run()
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(report.cases.map((c) => [c.id, c.verdict])).toEqual([['x.first', 'not-run'], ['x.long', 'not-run'], ['x.later', 'not-run']])
    expect(report.interrupted).toBe(true)
  })
})

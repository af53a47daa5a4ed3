import {EventEmitter} from 'node:events'
import {describe, expect, it} from 'vitest'
import {EXIT} from '../common/exit-codes.js'
import {CaseFailure} from './failures.js'
import {formatJunit} from './report/junit.js'
import {formatReport} from './report/text.js'
import {ConformanceRunner, exitCodeFor} from './runner.js'
import type {ConformanceCase} from './types.js'

// Nothing listens there: the scheduler answer is missing, which these cases do not need.
const SCHEDULER = 'http://127.0.0.1:1/dns'
const mk = (id: string, run: ConformanceCase['run']): ConformanceCase => ({id, flow: 'x', section: '1', level: 'MUST', requirement: 'r', run})
const never = (): Promise<never> => new Promise(() => {})

function runner(cases: ConformanceCase[], extra: {concurrency?: number; signal?: AbortSignal} = {}) {
  const faults = new EventEmitter()
  return {faults, runner: new ConformanceRunner({scheduler: SCHEDULER, cases, faultSource: faults, ...extra})}
}

describe('ConformanceRunner faults', () => {
  it('makes a bug inside a case that case\'s error, with its stack', async () => {
    const {runner: r} = runner([mk('x.bug', async () => { throw new TypeError('oops') })])
    const report = await r.run()
    expect(report.cases[0]).toMatchObject({verdict: 'error'})
    expect(report.cases[0]!.message).toMatch(/harness fault: TypeError: oops\n\s+at /)
    expect(exitCodeFor(report)).toBe(EXIT.HARNESS)
  })

  it('blames an escaped CaseFailure on the one case running: it fails with the message', async () => {
    const {faults, runner: r} = runner([mk('x.escapes', async () => {
      setTimeout(() => faults.emit('uncaughtException', new CaseFailure('SHAKE refused')), 10)
      return never()
    })])
    const report = await r.run()
    expect(report.cases[0]).toMatchObject({verdict: 'fail', message: 'escaped as an uncaught exception or unhandled rejection while this case alone ran: SHAKE refused'})
    expect(report.faults).toEqual([])
    expect(exitCodeFor(report)).toBe(EXIT.FAILED)
  })

  it('records an escaped exception as a fault of the run when several cases run, and still reports every case', async () => {
    let started = 0
    const {faults, runner: r} = runner([
      mk('x.a', async () => {
        started++
        await new Promise((res) => setTimeout(res, 50))
      }),
      mk('x.b', async () => {
        started++
        await new Promise((res) => setTimeout(res, 10))
        faults.emit('unhandledRejection', new Error('late timer'))
        await new Promise((res) => setTimeout(res, 50))
      }),
    ], {concurrency: 2})
    const report = await r.run()
    expect(started).toBe(2)
    expect(report.cases.map((c) => c.verdict)).toEqual(['pass', 'pass'])
    expect(report.faults).toHaveLength(1)
    expect(report.faults[0]).toMatch(/^while 2 cases ran \(x\.a, x\.b\): Error: late timer/)
    expect(report.summary.ok).toBe(false)
    expect(exitCodeFor(report)).toBe(EXIT.HARNESS)
    expect(formatJunit(report)).toContain('name="harness.fault-1"')
    expect(formatReport(report, false)).toContain('HARNESS ERROR')
  })

  it('stops on abort: the running case and those not started are not-run, the report is returned', async () => {
    const stop = new AbortController()
    const {runner: r} = runner([
      mk('x.first', async () => 'done'),
      mk('x.hangs', async () => {
        setTimeout(() => stop.abort(), 10)
        return never()
      }),
      mk('x.later', async () => {}),
    ], {concurrency: 1, signal: stop.signal})
    const report = await r.run()
    expect(report.cases.map((c) => c.verdict)).toEqual(['pass', 'not-run', 'not-run'])
    expect(report.cases[1]!.message).toMatch(/^interrupted after \d+ ms/)
    expect(report.interrupted).toBe(true)
    expect(exitCodeFor(report)).toBe(EXIT.INTERRUPTED)
    expect(formatJunit(report)).toContain('skipped="2"')
  })

  it('stops listening for faults when the run ends', async () => {
    const {faults, runner: r} = runner([mk('x.ok', async () => {})])
    await r.run()
    expect(faults.listenerCount('uncaughtException') + faults.listenerCount('unhandledRejection')).toBe(0)
  })
})

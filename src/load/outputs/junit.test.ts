import {parse} from 'junit2json'
import {describe, expect, it} from 'vitest'
import {resultsWith} from '../../../test/support/results-fixtures.js'
import type {RunResult} from '../types.js'
import {formatLoadJunit} from './junit.js'

type Parsed = {tests?: number; failures?: number; errors?: number; testsuite?: Array<{name?: string; testcase?: Array<{classname?: string; name?: string; failure?: Array<{message?: string; type?: string}>; error?: Array<{message?: string}>}>}>}

/** A run as the coordinator hands it to outputs, from the shared results fixture. */
function run(over: Partial<RunResult> = {}): RunResult {
  return {...resultsWith({}), ...over} as RunResult
}

const parsed = async (r: RunResult) => (await parse(formatLoadJunit(r))) as Parsed

describe('formatLoadJunit', () => {
  it('a passing run: the run, each threshold and the saturation check pass', async () => {
    const doc = await parsed(run({thresholds: [{metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 12, abortOnFail: false}]}))
    expect(doc).toMatchObject({tests: 3, failures: 0, errors: 0})
    expect(doc.testsuite![0]!.name).toBe('imh load chat http://127.0.0.1:1/dns')
    expect(doc.testsuite![0]!.testcase!.map((c) => `${c.classname}: ${c.name}`)).toEqual(['run: run completed', 'thresholds: sync_latency p(99)<50', 'generator: generator not saturated'])
  })

  it('a failed threshold, an empty metric, saturation and a missed rate are failures; a run error is an error', async () => {
    const doc = await parsed(run({
      thresholds: [
        {metric: 'sync_latency', expression: 'p(99)<50', ok: false, actual: 61.5, abortOnFail: false},
        {metric: 'heartbeat_rtt', expression: 'p(99)<500', ok: false, actual: null, reason: 'no samples', abortOnFail: false},
      ],
      saturation: {flagged: true, boundMs: 100, maxEventLoopLagMs: 340, judgedSeconds: 10, workers: [{worker: 0, maxLagMs: 340, saturatedSeconds: 2}]},
      rate: {flagged: true, tolerance: 0.95, scenarios: [{scenarios: ['chat'], counter: 'sent', unit: 'messages', scheduledPerS: 5000, requestedPerS: 5000, achievedPerS: 4194, ratio: 0.84, missed: true, behindSeconds: [3, 4]}]},
      runError: {code: 'IMH_ERR_WORKER_FAILED', message: 'worker 1 exited (SIGKILL) before its final report'},
    }))
    expect(doc).toMatchObject({tests: 5, failures: 4, errors: 1})
    const cases = doc.testsuite![0]!.testcase!
    expect(cases[0]!.error![0]!.message).toContain('IMH_ERR_WORKER_FAILED')
    expect(cases[1]!.failure![0]).toMatchObject({type: 'threshold', message: 'sync_latency p(99)<50: actual 61.5'})
    expect(cases[2]!.failure![0]!.message).toContain('no samples')
    expect(cases[3]!.failure![0]!.message).toContain('saturated')
    expect(cases[4]!.failure![0]!.message).toContain('chat achieved 4194 of 5000 messages/s requested')
  })
})

import {describe, expect, it} from 'vitest'
import {SMALL_YOUNG_GENERATION_FROM_VUS, WORKER_EXEC_ARGV, workerExecArgv} from './worker-pool.js'

describe('workerExecArgv', () => {
  it("keeps V8's default young generation for a few busy VUs and the small one for many idle ones", () => {
    expect(workerExecArgv(64)).toEqual([])
    expect(workerExecArgv(SMALL_YOUNG_GENERATION_FROM_VUS)).toEqual([])
    expect(workerExecArgv(SMALL_YOUNG_GENERATION_FROM_VUS + 1)).toEqual(WORKER_EXEC_ARGV)
    expect(workerExecArgv(Infinity)).toEqual(WORKER_EXEC_ARGV)
  })
})

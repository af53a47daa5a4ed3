import {describe, expect, it} from 'vitest'
import {CoalescingLoop} from './coalescing-loop.js'

/** A round the test lets finish with `more`. */
function gated() {
  const gates: ((more: boolean) => void)[] = []
  let rounds = 0
  const loop = new CoalescingLoop(() => {
    rounds++
    return new Promise<boolean>((resolve) => gates.push(resolve))
  })
  const open = async (more: boolean) => {
    await new Promise((r) => setImmediate(r))
    gates.shift()!(more)
  }
  return {loop, open, rounds: () => rounds}
}

describe('CoalescingLoop', () => {
  it('runs rounds until one says there is no more', async () => {
    const g = gated()
    const done = g.loop.run()
    await g.open(true)
    await g.open(true)
    await g.open(false)
    await done
    expect(g.rounds()).toBe(3)
    expect(g.loop.busy).toBe(false)
  })

  it('folds runs asked for during a run into one more round of the same run', async () => {
    const g = gated()
    const first = g.loop.run()
    const second = g.loop.run()
    const third = g.loop.run()
    expect(second).toBe(first)
    expect(third).toBe(first)
    await g.open(false)
    await g.open(false)
    await first
    expect(g.rounds()).toBe(2)
  })

  it('starts a new run when asked right after one ended', async () => {
    const g = gated()
    const first = g.loop.run()
    await g.open(false)
    await first
    const second = g.loop.run()
    expect(second).not.toBe(first)
    await g.open(false)
    await second
    expect(g.rounds()).toBe(2)
  })

  it('rejects the run when a round fails, and runs again afterwards', async () => {
    let fail = true
    const loop = new CoalescingLoop(async () => {
      if (fail) throw new Error('link closed')
      return false
    })
    await expect(loop.run()).rejects.toThrow('link closed')
    fail = false
    await expect(loop.run()).resolves.toBeUndefined()
  })
})

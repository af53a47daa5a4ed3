import {describe, expect, it} from 'vitest'
import {CaseContext, type Target} from './context.js'
import {NotApplicable} from './failures.js'

const target = {scheduler: 'http://127.0.0.1:1/dns', answer: undefined, answerError: undefined} as unknown as Target

describe('CaseContext.needWait', () => {
  it('finds a wait beyond --max-wait not applicable, naming the flag and the value that would do', () => {
    const ctx = new CaseContext(target, 1, 20_000)
    expect(() => ctx.needWait('idleTimeoutMs', 25_000)).toThrow(NotApplicable)
    expect(() => ctx.needWait('idleTimeoutMs', 25_000)).toThrow(/^idleTimeoutMs is 25000 ms \(spec default; the target announces no limits\), longer than --max-wait 20 s; raise --max-wait to 25 or more/)
    expect(ctx.needWait('idleTimeoutMs', 15_000)).toBe(15_000)
    expect(ctx.needWait('idleTimeoutMs', 20_000)).toBe(20_000)
  })

  it('judges what the case waits when it waits more than the limit itself', () => {
    const ctx = new CaseContext(target, 1, 20_000)
    expect(ctx.needWait('idleTimeoutMs', 15_000, 20_000)).toBe(15_000)
    expect(() => ctx.needWait('idleTimeoutMs', 15_000, 20_001)).toThrow(/^idleTimeoutMs is 15000 ms .*, so the case waits 20001 ms, longer than --max-wait 20 s; raise --max-wait to 21/)
  })

  it('does not scale the announced wait by --timeout-factor: the server times it, not the suite', () => {
    const patient = new CaseContext(target, 1.5, 20_000)
    expect(() => patient.needWait('holdMs', 25_000)).toThrow(/^holdMs is 25000 ms, longer than --max-wait 20 s/)
  })
})

describe('CaseContext.cleanup', () => {
  it('also runs clean-ups registered by a clean-up (a sweeper client closing itself), newest first', async () => {
    const ctx = new CaseContext(target, 1, 20_000)
    const ran: string[] = []
    ctx.onCleanup(() => ran.push('first'))
    ctx.onCleanup(() => {
      ran.push('sweeper opens a client')
      ctx.onCleanup(() => ran.push('sweeper client closed'))
    })
    await ctx.cleanup()
    expect(ran).toEqual(['sweeper opens a client', 'first', 'sweeper client closed'])
  })
})

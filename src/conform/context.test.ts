import {describe, expect, it} from 'vitest'
import {CaseContext, type Target} from './context.js'
import {NotApplicable} from './failures.js'

const target = {scheduler: 'http://127.0.0.1:1/dns', answer: undefined, answerError: undefined} as unknown as Target

describe('CaseContext.needWait', () => {
  it('finds a wait too long for the suite not applicable, and --timeout-factor makes it applicable', () => {
    const strict = new CaseContext(target, 1, 20_000)
    expect(() => strict.needWait('idleTimeoutMs', 25_000)).toThrow(NotApplicable)
    expect(strict.needWait('idleTimeoutMs', 15_000)).toBe(15_000)
    const patient = new CaseContext(target, 1.5, 20_000)
    expect(patient.needWait('idleTimeoutMs', 25_000)).toBe(25_000)
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

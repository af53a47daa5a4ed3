import {EventEmitter, once} from 'node:events'
import {describe, expect, it} from 'vitest'
import {dropEmptyListenerTable} from './listener-table.js'

class Lean extends EventEmitter<{x: [number]; error: [Error]}> {
  constructor() {
    super()
    dropEmptyListenerTable(this)
  }
}

describe('dropEmptyListenerTable', () => {
  it('leaves an emitter that works as any other: emit, on, once, off, counts, an unheard error throws', async () => {
    const e = new Lean()
    expect((e as unknown as {_events: unknown})._events).toBeUndefined()
    expect(e.emit('x', 1)).toBe(false)
    expect(e.listenerCount('x')).toBe(0)
    expect(e.eventNames()).toEqual([])
    e.removeAllListeners()
    const got: number[] = []
    const f = (v: number) => got.push(v)
    e.on('x', f)
    e.once('x', (v) => got.push(v * 10))
    expect(e.emit('x', 2)).toBe(true)
    e.emit('x', 3)
    expect(got).toEqual([2, 20, 3])
    e.off('x', f)
    expect(e.listenerCount('x')).toBe(0)
    const next = once(e, 'x')
    e.emit('x', 4)
    expect(await next).toEqual([4])
    expect(() => new Lean().emit('error', new Error('boom'))).toThrow('boom')
  })

  it('keeps a table that holds listeners', () => {
    const e = new EventEmitter<{x: []}>()
    e.on('x', () => {})
    dropEmptyListenerTable(e)
    expect(e.listenerCount('x')).toBe(1)
  })
})

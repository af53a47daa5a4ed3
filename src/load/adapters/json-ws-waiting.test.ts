import {describe, expect, it} from 'vitest'
import {Waiting} from './json-ws-waiting.js'

describe('json-ws waiting answers', () => {
  it('resolves by key, ignores stray answers, and expires in order up to the first not due', async () => {
    const w = new Waiting<string, number>()
    const a = w.add('a', 100)
    const b = w.add('b', 100)
    const c = w.add('c', 10_000)
    expect(w.oldest()).toBe('a')
    expect(w.resolve('b', () => 7)).toBe(true)
    expect(w.resolve('b', () => 8)).toBe(false)
    await expect(b.promise).resolves.toBe(7)
    expect(w.expire(a.deadline, () => new Error('late'))).toBe(c.deadline)
    await expect(a.promise).rejects.toThrow('late')
    expect(w.oldest()).toBe('c')
    w.rejectAll(new Error('closed'))
    await expect(c.promise).rejects.toThrow('closed')
    expect(w.expire(Number.POSITIVE_INFINITY, () => new Error('x'))).toBe(Number.POSITIVE_INFINITY)
  })
})

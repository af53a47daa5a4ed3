import {describe, expect, it} from 'vitest'
import {AvatarCache} from './avatar-cache.js'

function counting(capacity?: number) {
  const fetched: string[] = []
  const cache = new AvatarCache({capacity, fetch: async (url) => (fetched.push(url), `"${url}"`)})
  return {cache, fetched}
}

describe('AvatarCache', () => {
  it('fetches a missing avatar once, then serves hits without a request', async () => {
    const {cache, fetched} = counting()
    expect(await cache.show(['a', 'b'])).toEqual([{url: 'a', hit: false}, {url: 'b', hit: false}])
    expect(await cache.show(['a', 'b', 'c'])).toEqual([{url: 'a', hit: true}, {url: 'b', hit: true}, {url: 'c', hit: false}])
    expect(fetched).toEqual(['a', 'b', 'c'])
    expect([cache.hits, cache.misses, cache.size]).toEqual([2, 3, 3])
  })

  it('skips empty URLs (users without an avatar)', async () => {
    const {cache, fetched} = counting()
    expect(await cache.show(['', 'a', ''])).toEqual([{url: 'a', hit: false}])
    expect(fetched).toEqual(['a'])
  })

  it('drops the least recently shown beyond its capacity', async () => {
    const {cache, fetched} = counting(2)
    await cache.show(['a'])
    await cache.show(['b'])
    await cache.show(['a']) // a is now younger than b
    await cache.show(['c']) // evicts b
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true])
    await cache.show(['b'])
    expect(fetched).toEqual(['a', 'b', 'c', 'b'])
    expect(cache.size).toBe(2)
  })

  it('shares one request among concurrent shows of the same avatar', async () => {
    let release!: () => void
    let calls = 0
    const cache = new AvatarCache({fetch: async () => {
      calls++
      await new Promise<void>((r) => (release = r))
      return '"e"'
    }})
    const both = Promise.all([cache.show(['x']), cache.show(['x'])])
    await new Promise((r) => setImmediate(r))
    release()
    expect((await both).flat()).toEqual([{url: 'x', hit: false}, {url: 'x', hit: false}])
    expect(calls).toBe(1)
  })

  it('rejects a failed fetch, caches nothing and tries again next time', async () => {
    let fail = true
    const cache = new AvatarCache({fetch: async () => {
      if (fail) throw new Error('boom')
      return '"e"'
    }})
    await expect(cache.show(['x'])).rejects.toThrow('boom')
    expect(cache.has('x')).toBe(false)
    fail = false
    expect(await cache.show(['x'])).toEqual([{url: 'x', hit: false}])
  })

  it('refuses a capacity below 1', () => {
    expect(() => new AvatarCache({capacity: 0, fetch: async () => ''})).toThrow(RangeError)
  })
})

describe('AvatarCache concurrency', () => {
  it('fetches at most maxConcurrent avatars at once, and every one in the end', async () => {
    let inFlight = 0
    let peak = 0
    const cache = new AvatarCache({
      maxConcurrent: 3,
      fetch: async () => {
        peak = Math.max(peak, ++inFlight)
        await new Promise((r) => setTimeout(r, 5))
        inFlight--
        return '"e"'
      },
    })
    const shown = await cache.show(Array.from({length: 10}, (_, i) => `http://m/avatar/${i}`))
    expect(shown.filter((s) => !s.hit)).toHaveLength(10)
    expect(peak).toBe(3)
    expect(() => new AvatarCache({maxConcurrent: 0, fetch: async () => ''})).toThrow(/maxConcurrent/)
  })
})

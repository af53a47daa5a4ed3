import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {errorCode} from '../../src/load/scenarios/context.js'
import type {AdapterEvents, AdapterSession, ClientAdapter, ConnectRequest} from '../../src/load/adapters/adapter.js'
import {parseAdapterOptions} from '../../src/load/adapters/adapter-options.js'

/** A server an adapter suite runs against, started by the test file. */
export interface AdapterTarget {
  /** `--target` for it. */
  target: string
  /** The profile's `options.adapterOptions` for it. */
  options?: Record<string, unknown>
  /** Usernames this server knows (accounts made beforehand); absent: any unique name works. */
  username?: (index: number) => string
  password?: string
  /** A target URL of the adapter's scheme where nothing listens. */
  unreachable: string
  close(): Promise<void>
}

/** What a test session saw, besides its session. */
export interface Recorded extends AdapterEvents {
  bodies: string[]
  heartbeats: number[]
  errors: unknown[]
  closedWith: Error[]
  timings: Array<[string, number]>
  reconnects: number
  /** Resolves when `n` bodies arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>
}

export function recorder(): Recorded {
  const waiters: Array<() => void> = []
  const r: Recorded = {
    bodies: [], heartbeats: [], errors: [], closedWith: [], timings: [], reconnects: 0,
    message(body) {
      r.bodies.push(body)
      for (const w of waiters.splice(0)) w()
    },
    timing: (phase, ms) => void r.timings.push([phase, ms]),
    heartbeat: (ms) => void r.heartbeats.push(ms),
    error: (err) => void r.errors.push(err),
    reconnected: () => void r.reconnects++,
    closed: (err) => void r.closedWith.push(err),
    async waitFor(n, ms = 5000) {
      const deadline = Date.now() + ms
      while (r.bodies.length < n) {
        if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${n} messages, got ${r.bodies.length}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
  }
  return r
}

/** A ConnectRequest as the harness makes it, for client `index` of a test. */
export function requestFor<O>(t: AdapterTarget, index: number, options: O, events: AdapterEvents, over: Partial<ConnectRequest<O>> = {}): ConnectRequest<O> {
  return {
    index,
    username: t.username?.(index) ?? `imh-suite-${process.pid}-${Date.now().toString(36)}-${index}`,
    password: t.password ?? 'imh-load-password',
    target: t.target,
    heartbeat: false,
    requestTimeoutMs: 5000,
    tls: {},
    options,
    events,
    memo: new Map(),
    ...over,
  }
}

/**
 * The contract every adapter keeps (docs/adapters.md), run against a real server: what the chat,
 * heartbeat and login-storm scenarios rely on. `start` starts the server (or returns undefined to
 * skip loudly, e.g. no mosquitto installed outside CI).
 */
export function adapterContractSuite(adapter: ClientAdapter, start: () => Promise<AdapterTarget | undefined>): void {
  describe(`adapter ${adapter.name} keeps the adapter contract`, () => {
    let t: AdapterTarget | undefined
    const open: AdapterSession[] = []
    beforeAll(async () => {
      t = await start()
    }, 60_000)
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()))
      await t?.close()
    })
    const options = (): any => parseAdapterOptions(adapter, t!.options ?? {}, 'test')
    const connect = async (index: number, events = recorder(), over: Partial<ConnectRequest> = {}): Promise<[AdapterSession, Recorded]> => {
      const s = await adapter.connect(requestFor(t!, index, options(), events, over))
      open.push(s)
      return [s, events]
    }

    it('declares guarantees a run can judge by', ({skip}) => {
      if (!t) return skip()
      const g = adapter.guarantees(options())
      expect(typeof g.acknowledged).toBe('boolean')
      expect(['at-most-once', 'at-least-once', 'exactly-once']).toContain(g.delivery)
      expect(typeof g.ordered).toBe('boolean')
    })

    it('connects two clients that send each other messages, bodies intact and in order', async ({skip}) => {
      if (!t) return skip()
      const [a, ea] = await connect(0)
      const [b, eb] = await connect(1)
      expect(a.address).not.toBe(b.address)
      const bodies = Array.from({length: 20}, (_, i) => `imh2|0|0|${i}|1|${i}.000|${i}.000|${'x'.repeat(i)}`)
      for (const [i, body] of bodies.entries()) await a.send(b.address, body, `suite.0.${i}`)
      await b.send(a.address, 'imh2|1|0|0|0|1.000|1.000|', 'suite.1.0')
      await eb.waitFor(20)
      await ea.waitFor(1)
      if (adapter.guarantees(options()).ordered) expect(eb.bodies).toEqual(bodies)
      else expect([...eb.bodies].sort()).toEqual([...bodies].sort())
      expect(ea.bodies).toEqual(['imh2|1|0|0|0|1.000|1.000|'])
      expect(ea.timings.map(([p]) => p)).toContain('connect')
      expect([...ea.closedWith, ...eb.closedWith]).toEqual([])
    })

    it('answers a heartbeat on demand, when it offers one', async ({skip}) => {
      if (!t) return skip()
      const [a] = await connect(2)
      if (!a.heartbeat) return skip()
      await a.heartbeat()
    })

    it('heartbeats on its own when asked to, reporting each round trip', async ({skip}) => {
      if (!t) return skip()
      const [, e] = await connect(6, recorder(), {heartbeat: 1000})
      const deadline = Date.now() + 4500
      while (e.heartbeats.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect(e.heartbeats.length).toBeGreaterThan(0)
      expect(e.heartbeats[0]).toBeGreaterThanOrEqual(0)
    })

    it('closes without calling closed, and the peer keeps its session', async ({skip}) => {
      if (!t) return skip()
      const [a, ea] = await connect(3)
      const [b, eb] = await connect(4)
      await a.close()
      await new Promise((r) => setTimeout(r, 200))
      expect(ea.closedWith).toEqual([])
      await b.send(b.address, 'imh2|4|0|0|4|1.000|1.000|', 'suite.4.0')
      await eb.waitFor(1)
    })

    it('refuses an unreachable target with a coded error, promptly', async ({skip}) => {
      if (!t) return skip()
      const started = Date.now()
      const err = await adapter.connect(requestFor({...t, target: t.unreachable}, 5, options(), recorder(), {requestTimeoutMs: 2000})).then(
        (s) => {
          open.push(s)
          return undefined
        },
        (e: unknown) => e,
      )
      expect(err).toBeDefined()
      expect(['IMH_ERR_CONNECT_FAILED', 'IMH_ERR_TIMEOUT']).toContain(errorCode(err))
      expect(Date.now() - started).toBeLessThan(5000)
    })
  })
}

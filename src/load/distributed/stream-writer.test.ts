import type {Redis} from 'ioredis'
import {describe, expect, it} from 'vitest'
import {SequenceFilter, StreamWriter} from './stream-writer.js'

describe('StreamWriter', () => {
  it('retries a failed XADD and keeps the order: nothing behind it goes first, nothing is lost', async () => {
    const added: string[] = []
    let failures = 2
    const client = {
      async xadd(_key: string, _id: string, _s: string, tag: string, _m: string, body: Buffer) {
        await new Promise((r) => setTimeout(r, 1))
        if (body.toString() === 'b' && failures-- > 0) throw new Error('Connection is closed.')
        added.push(`${tag}=${body.toString()}`)
        return '1-0'
      },
    } as unknown as Redis
    const retries: string[] = []
    const w = new StreamWriter(client, 'k', 'agent-1', (e) => retries.push(e.message))
    for (const m of ['a', 'b', 'c']) w.write(Buffer.from(m))
    await w.flushed()
    expect(added).toEqual(['agent-1:0=a', 'agent-1:1=b', 'agent-1:2=c'])
    expect(retries).toEqual(['Connection is closed.', 'Connection is closed.'])
  })
})

describe('SequenceFilter', () => {
  it("reads each sender's entry once, whatever the other senders do", () => {
    const f = new SequenceFilter()
    expect(['a:0', 'b:0', 'a:1', 'a:1', 'b:0', 'x:y:0', 'x:y:0', 'b:1'].map((s) => f.fresh(s))).toEqual([true, true, true, false, false, true, false, true])
    expect(f.fresh(undefined)).toBe(true)
  })
})

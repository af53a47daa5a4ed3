import {describe, expect, it} from 'vitest'
import {decodeMessage, encodeMessage, streamEntries} from './wire.js'

describe('stream wire format', () => {
  it('carries what IPC carries (structured clone): Maps, typed arrays, undefined fields', () => {
    const m = {type: 'delta', atMs: 1.5, delta: {counters: {sent: 3}, histograms: {x: 'HISTFAAAA'}}, extra: new Map([['a', 1]]), bytes: new Uint8Array([1, 2]), gone: undefined}
    expect(decodeMessage(encodeMessage(m))).toEqual(m)
  })

  it('reads XREAD replies of several keys in order, fields by name', () => {
    const b = (s: string): Buffer => Buffer.from(s)
    const reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> = [
      [b('k1'), [[b('1-0'), [b('m'), b('one')]], [b('2-0'), [b('m'), b('two'), b('n'), b('x')]]]],
      [b('k2'), [[b('3-0'), [b('job'), b('three')]]]],
    ]
    const entries = streamEntries(reply)
    expect(entries.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0'])
    expect(entries[1]!.fields.get('n')!.toString()).toBe('x')
    expect(entries[2]!.fields.get('job')!.toString()).toBe('three')
    expect(streamEntries(null)).toEqual([])
  })
})

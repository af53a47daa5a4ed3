import {describe, expect, it} from 'vitest'
import {emptyGroups} from '../src/protocol/index.js'
import {DEFAULT_LIMITS} from './config.js'
import {defineServerFlow} from './flow.js'
import {flowContext} from './flow-context.js'
import {MemoryStore} from './store/memory-store.js'
import {StoreInstances, defineStore} from './store/store-slot.js'

const own = (): {closed: boolean; close(): void} => ({closed: false, close() { this.closed = true }})
const OWN = defineStore('own', own, own)
const OTHER = defineStore<string[]>('other', () => [], () => [])

const flow = defineServerFlow({
  name: 'probe',
  limits: [],
  stores: [OWN],
  needs: {groups: ['media']},
  listeners: [{name: 'qr', kind: 'http'}],
  options: (ctx) => ctx,
  create: (o) => o,
})

function parts() {
  const groups = emptyGroups()
  return {limits: DEFAULT_LIMITS, store: new MemoryStore(), stores: new StoreInstances(DEFAULT_LIMITS), groups, bound: {} as Record<string, string>, links: {lookup: async () => undefined}, members: () => [{node: 'local', groups, load: 0}], features: []}
}

describe('flowContext', () => {
  it('reads the groups a flow opens or needs, live', () => {
    const p = parts()
    const ctx = flowContext(flow, p)
    const media = ctx.base('media')
    const qr = ctx.addresses('qr')
    expect([media(), qr()]).toEqual(['', []])
    p.groups.media.push('http://m:1')
    p.groups.qr.push('http://q:1')
    expect([media(), qr()]).toEqual(['http://m:1', ['http://q:1']])
  })

  it('reads a listener of its own that the scheduler does not list, live', () => {
    const own = defineServerFlow({name: 'unlisted', limits: [], listeners: [{name: 'own', kind: 'http'}], options: (ctx) => ctx, create: (o) => o})
    const p = parts()
    const base = flowContext(own, p).base('own')
    expect(base()).toBe('')
    p.bound.own = 'http://o:1'
    expect(base()).toBe('http://o:1')
  })

  it('refuses a group or a store the flow does not declare', () => {
    const ctx = flowContext(flow, parts())
    expect(() => ctx.base('relay')).toThrow(/flow probe reads group relay, which it neither opens nor names in needs.groups/)
    expect(() => ctx.storeOf(OTHER)).toThrow(/flow probe uses store other, which it neither owns nor names in needs.stores/)
  })

  it('gives one instance per slot, and closes only those it created', async () => {
    const p = parts()
    const given = OWN.memory({})
    const ctx = flowContext(flow, p)
    const created = ctx.storeOf(OWN)
    expect(ctx.storeOf(OWN)).toBe(created)
    const other = new StoreInstances({})
    other.provide(OWN, given)
    expect(other.get(OWN)).toBe(given)
    await p.stores.close()
    await other.close()
    expect([created.closed, given.closed]).toEqual([true, false])
  })
})

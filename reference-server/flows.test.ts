import {describe, expect, expectTypeOf, it} from 'vitest'
import {GROUPS} from '../src/protocol/index.js'
import {ALL_LIMIT_SPECS, DEFAULT_LIMITS, type ServerLimitKey} from './config.js'
import type {AnyServerFlow} from './flow.js'
import {type FlowServices, type FlowStatuses, type ListenerNames, SERVER_FLOWS, type ServerFlowName} from './flows.js'
import type {ReferenceServerUrls} from './index.js'
import {LISTENERS} from './port-layout.js'

const FLOWS: readonly AnyServerFlow[] = SERVER_FLOWS
/** The flow ids every layer shares. */
const FLOW_IDS = ['core', 'qr', 'talk', 'nearby', 'shake', 'bottle', 'moments', 'media', 'shop'] as const

describe('SERVER_FLOWS', () => {
  it('names each flow once, with the flow ids every layer uses, core first', () => {
    const names = FLOWS.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names[0]).toBe('core')
    for (const name of names) expect(FLOW_IDS).toContain(name)
    expectTypeOf<ServerFlowName>().toExtend<(typeof FLOW_IDS)[number]>()
    expectTypeOf<'core' | 'qr' | 'talk' | 'nearby' | 'shake' | 'bottle' | 'moments' | 'media'>().toExtend<ServerFlowName>()
  })

  it('opens each listener once, one long link among them, the scheduler first', () => {
    const names = LISTENERS.map((l) => l.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.slice(0, 6)).toEqual(['scheduler', 'short', 'long', 'longTcp', 'qr', 'media'])
    expect(LISTENERS.filter((l) => l.kind === 'long')).toHaveLength(1)
    // The long link's stream port joins the long group, after the WebSocket port.
    expect(LISTENERS.filter((l) => l.kind === 'long-stream').map((l) => [l.name, l.group])).toEqual([['longTcp', 'long']])
    expectTypeOf<'scheduler' | 'short' | 'long' | 'qr' | 'media'>().toExtend<ListenerNames>()
    expectTypeOf<keyof ReferenceServerUrls>().toEqualTypeOf<ListenerNames>()
  })

  it('declares every limit once, each flag once, with defaults inside their ranges', () => {
    const keys = ALL_LIMIT_SPECS.map((s) => s.key)
    expect(new Set(keys).size).toBe(keys.length)
    const flags = ALL_LIMIT_SPECS.flatMap((s) => (s.flag ? [s.flag] : []))
    expect(new Set(flags).size).toBe(flags.length)
    for (const s of ALL_LIMIT_SPECS) expect(s.default, s.key).toBeGreaterThanOrEqual(s.min)
    for (const s of ALL_LIMIT_SPECS) expect(s.default, s.key).toBeLessThanOrEqual(s.max)
    expect(Object.keys(DEFAULT_LIMITS).sort()).toEqual([...keys].sort())
    expectTypeOf<'stunPorts' | 'qrTtlSeconds' | 'downloadBytes' | 'dedupWindow'>().toExtend<ServerLimitKey>()
  })

  it('has an owner for every store and group a flow needs', () => {
    const owned = new Set(FLOWS.flatMap((f) => f.stores ?? []))
    for (const f of FLOWS) for (const slot of f.needs?.stores ?? []) expect(owned.has(slot), `${f.name} needs store ${slot.name}`).toBe(true)
    const opened = new Set<string>([...LISTENERS.map((l) => l.name), ...FLOWS.flatMap((f) => (f.udp?.group ? [f.udp.group] : []))])
    for (const g of GROUPS) expect(opened.has(g), `group ${g}`).toBe(true)
    // A UDP port count is one of the limits, or a fixed number of ports.
    for (const f of FLOWS) if (f.udp) expect(typeof f.udp.count === 'number' ? f.udp.count > 0 : ALL_LIMIT_SPECS.some((s) => s.key === f.udp!.count), `${f.name} udp count`).toBe(true)
  })

  it('types the services hook and the statuses by flow name', () => {
    expectTypeOf<keyof FlowServices>().toEqualTypeOf<ServerFlowName>()
    expectTypeOf<'qr' | 'talk'>().toExtend<keyof FlowStatuses>()
    expectTypeOf<FlowStatuses['qr']['polls']>().toEqualTypeOf<number>()
  })
})

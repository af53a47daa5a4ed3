import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {inSections} from '../case-module.js'
import {ALL_CASES, CASE_FLOWS, CASE_MODULES} from './index.js'

const spec = readFileSync(new URL('../../../PROTOCOL.md', import.meta.url), 'utf8')

describe('the case catalogue', () => {
  it('has unique, stable-looking ids of the form group.name', () => {
    const ids = ALL_CASES.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/)
  })

  it('cites only sections that exist in PROTOCOL.md', () => {
    const missing = ALL_CASES.filter((c) => !spec.includes(`<a id="s${c.section}"></a>`)).map((c) => `${c.id} → §${c.section}`)
    expect(missing).toEqual([])
  })

  it('covers every flow the foundation issue names, negatives included', () => {
    const ids = new Set(ALL_CASES.map((c) => c.id))
    for (const id of [
      'frame.bad-version', 'frame.oversize-header', 'frame.bad-json', 'frame.unknown-cmd', 'session.auth-first', 'session.bad-token',
      'session.handshake-timeout', 'sync.duplicate-client-msg-id', 'sync.offline-delivery', 'sync.order-1000', 'sync.paging-continue',
      'session.kick-second-login', 'session.heartbeat-echo', 'session.idle-timeout', 'scheduler.fallback-serves',
    ]) expect(ids, id).toContain(id)
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(30)
  })
})

describe('the case modules', () => {
  it('declare each flow once, each with cases, in the order of their PROTOCOL.md sections', () => {
    expect(new Set(CASE_FLOWS).size).toBe(CASE_FLOWS.length)
    for (const m of CASE_MODULES) expect(m.cases.length, m.flow).toBeGreaterThan(0)
    const firsts = CASE_MODULES.map((m) => Number(m.sections[0]))
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b))
  })

  it('declare top-level sections that exist and that no other flow claims', () => {
    const all = CASE_MODULES.flatMap((m) => m.sections)
    expect(new Set(all).size).toBe(all.length)
    for (const s of all) expect(spec, `§${s}`).toContain(`<a id="s${s}"></a>`)
    for (const s of all) expect(s).toMatch(/^\d+$/)
  })

  it('hold only cases that cite sections of their own flow, stamped with it', () => {
    for (const m of CASE_MODULES) {
      const astray = m.cases.filter((c) => !inSections(c.section, m.sections)).map((c) => `${c.id} → §${c.section}`)
      expect(astray, `${m.flow} declares ${m.sections.map((s) => `§${s}`).join(', ')}`).toEqual([])
      for (const c of m.cases) expect(c.flow, c.id).toBe(m.flow)
    }
  })

  it('keep every id group in one flow, so a --case glob never straddles two', () => {
    const flowOf = new Map<string, string>()
    for (const c of ALL_CASES) {
      const group = c.id.split('.')[0]!
      expect(flowOf.get(group) ?? c.flow, c.id).toBe(c.flow)
      flowOf.set(group, c.flow)
    }
  })
})

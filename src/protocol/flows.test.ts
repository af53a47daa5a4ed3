import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {protocolSections} from '../common/protocol-sections.js'
import {ANNOUNCED_LIMIT_SPECS, SPEC_DEFAULT_LIMITS} from './announced-limits.js'
import {CMD, COMMANDS, cmdName, commandOf, isKnownCmd, replyParser} from './commands.js'
import {ERROR_CODES, ERRORS} from './errors.js'
import type {CommandSpec, ProtocolFlow} from './flow-contract.js'
import {FLOW_NAMES, PROTOCOL_FLOWS} from './flows.js'
import * as protocol from './index.js'
import {GROUPS, GROUP_SCHEMES, emptyGroups} from './scheduler-groups.js'
import {SHORT_ROUTES} from './short-routes.js'
import {SYNC_CATEGORIES, SYNC_CATEGORY_SPECS} from './sync-categories.js'
import {DEFAULT_SYNC_CATEGORY} from './sync.js'

const DOC = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
const FLOWS: readonly ProtocolFlow[] = PROTOCOL_FLOWS

const SECTIONS = protocolSections(DOC)

/** The text of PROTOCOL.md section `n` ("4.3", "12"), up to the next heading of its level or above. */
function section(n: string): string {
  const s = SECTIONS.get(n)
  if (!s) throw new Error(`PROTOCOL.md has no section ${n}`)
  return s.body
}

interface Row { name: string; id: number; direction: string; reply: string }

/** The rows of every `| name | id | direction | body | reply |` table in `text`. */
function commandRows(text: string): Row[] {
  const rows: Row[] = []
  let inTable = false
  for (const line of text.split('\n')) {
    if (/^\| name \| id \| direction \| body \| reply \|$/.test(line)) {
      inTable = true
      continue
    }
    if (!line.startsWith('|')) inTable = false
    if (!inTable || line.startsWith('| ---')) continue
    const cells = line.split('|').slice(1, -1).map((c) => c.trim())
    rows.push({name: cells[0]!, id: Number(cells[1]), direction: cells[2]!, reply: cells[4]!})
  }
  return rows
}

const direction = (cell: string) => (cell.startsWith('C→S') ? 'request' : 'push')
const declaredReply = (c: CommandSpec) => (c.direction === 'push' ? 'none' : c.reply === 'empty' ? 'empty' : 'parsed')
const documentedReply = (cell: string) => (cell === 'none' || cell.startsWith('none ') ? 'none' : /empty body/.test(cell) ? 'empty' : 'parsed')
const inSections = (flow: ProtocolFlow, s: string) => flow.sections.some((top) => s === top || s.startsWith(`${top}.`))

describe('PROTOCOL_FLOWS', () => {
  it('names each flow once, in kebab case, and each of its sections exists in PROTOCOL.md', () => {
    expect(new Set(FLOW_NAMES).size).toBe(FLOW_NAMES.length)
    for (const f of FLOWS) {
      expect(f.name).toMatch(/^[a-z][a-z0-9-]*$/)
      expect(f.title.length, f.name).toBeGreaterThan(0)
      for (const s of f.sections) expect(() => section(s), `${f.name} §${s}`).not.toThrow()
    }
  })

  it('exports every flow declaration from the protocol index, so other layers reach its module', () => {
    const exported = new Set(Object.values(protocol))
    for (const f of FLOWS) expect(exported.has(f), `${f.name}: add its module to src/protocol/index.ts`).toBe(true)
  })

  it('gives no PROTOCOL.md section to two flows', () => {
    const all = FLOWS.flatMap((f) => f.sections)
    expect(new Set(all).size).toBe(all.length)
  })
})

describe('scheduler groups', () => {
  it('are the keys §2.2 requires of every answer, each declared by one flow', () => {
    const sentence = /`groups`: an object with every one of the keys ([^;]+);/.exec(section('2.2'))
    const documented = [...sentence![1]!.matchAll(/`(\w+)`/g)].map((m) => m[1])
    expect([...GROUPS].sort()).toEqual(documented.sort())
    expect(new Set(GROUPS).size).toBe(GROUPS.length)
    expect(Object.keys(emptyGroups())).toEqual(GROUPS)
    for (const g of GROUPS) expect(GROUP_SCHEMES[g].length, g).toBeGreaterThan(0)
  })
})

describe('short-link routes', () => {
  it('are named once across flows, each method and path once, and documented in their flow\'s sections', () => {
    const all = FLOWS.flatMap((f) => Object.entries(f.shortRoutes).map(([name, r]) => ({flow: f, name, route: `${r.method} ${r.path}`})))
    expect(new Set(all.map((r) => r.name)).size).toBe(all.length)
    expect(new Set(all.map((r) => r.route)).size).toBe(all.length)
    expect(Object.keys(SHORT_ROUTES).sort()).toEqual(all.map((r) => r.name).sort())
    for (const {flow, route} of all) {
      expect(flow.sections.some((s) => section(s).includes(`\`${route}`)), `${flow.name}: ${route} is not in its PROTOCOL.md sections`).toBe(true)
    }
  })
})

describe('commands', () => {
  it('uses each id and each name once across all flows', () => {
    const all = FLOWS.flatMap((f) => f.commands)
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length)
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length)
    expect(COMMANDS).toHaveLength(all.length)
  })

  it('derives CMD, cmdName and isKnownCmd from the declarations', () => {
    for (const f of FLOWS) {
      for (const c of f.commands) {
        expect((CMD as Record<string, number>)[c.name]).toBe(c.id)
        expect(cmdName(c.id)).toBe(c.name)
        expect(isKnownCmd(c.id)).toBe(true)
        expect(commandOf(c.id)).toMatchObject({flow: f.name, spec: c})
      }
    }
    expect(Object.keys(CMD)).toHaveLength(COMMANDS.length)
    expect(cmdName(9999)).toBe('CMD_9999')
    expect(isKnownCmd(9999)).toBe(false)
  })

  it('has a reply parser for every request whose reply has a body, and only for those', () => {
    for (const c of COMMANDS) {
      const parsed = c.direction === 'request' && c.spec.direction === 'request' && c.spec.reply !== 'empty'
      expect(replyParser(c.id) !== undefined, c.name).toBe(parsed)
      expect(c.parseReply !== undefined, c.name).toBe(parsed)
    }
  })

  it('declares every command of the §4.3 table, with its id, direction and kind of reply', () => {
    const rows = commandRows(section('4.3'))
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const c = commandOf(row.id)
      expect(c?.name, `§4.3 ${row.name} ${row.id}`).toBe(row.name)
      expect(c?.direction, row.name).toBe(direction(row.direction))
      expect(declaredReply(c!.spec), `${row.name} reply "${row.reply}"`).toBe(documentedReply(row.reply))
    }
  })

  it('has every declared command in the §4.3 table or in a command table of its own flow', () => {
    const general = commandRows(section('4.3'))
    for (const f of FLOWS) {
      const own = f.sections.flatMap((s) => commandRows(section(s)))
      for (const c of f.commands) {
        const row = general.find((r) => r.id === c.id) ?? own.find((r) => r.id === c.id)
        expect(row, `${f.name} ${c.name} (${c.id}) is in no command table of PROTOCOL.md`).toBeDefined()
        expect(row!.name).toBe(c.name)
        expect(direction(row!.direction), c.name).toBe(c.direction)
        expect(declaredReply(c), `${c.name} reply "${row!.reply}"`).toBe(documentedReply(row!.reply))
      }
    }
  })
})

describe('error codes', () => {
  it('gives every wire code to exactly one flow and leaves the harness codes (ret 0) to none', () => {
    const owners = new Map<string, string[]>()
    for (const f of FLOWS) for (const code of f.errors) owners.set(code, [...(owners.get(code) ?? []), f.name])
    const unowned = ERROR_CODES.filter((code) => ERRORS[code].ret !== 0 && !owners.has(code))
    const shared = [...owners].filter(([, flows]) => flows.length > 1)
    const harnessClaimed = ERROR_CODES.filter((code) => ERRORS[code].ret === 0 && owners.has(code))
    expect({unowned, shared, harnessClaimed}).toEqual({unowned: [], shared: [], harnessClaimed: []})
  })
})

describe('announced limits', () => {
  it('declares each limit once, inside a section of its own flow', () => {
    const keys = ANNOUNCED_LIMIT_SPECS.map((s) => s.key)
    expect(new Set(keys).size).toBe(keys.length)
    for (const f of FLOWS) for (const l of f.limits) expect(inSections(f, l.section), `${f.name} ${l.key} §${l.section}`).toBe(true)
    expect(ANNOUNCED_LIMIT_SPECS).toEqual(FLOWS.flatMap((f) => f.limits))
  })

  it('matches the §2.3 table: the same fields, in order, with the same defaults', () => {
    const rows = [...section('2.3').matchAll(/^\| `(\w+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])])
    expect(rows).toEqual(ANNOUNCED_LIMIT_SPECS.map((s) => [s.key, s.default]))
    expect(Object.entries(SPEC_DEFAULT_LIMITS)).toEqual(rows)
  })
})

describe('SYNC categories', () => {
  it('are declared once each, with their own reply field and client events', () => {
    for (const prop of ['name', 'itemsField', 'itemEvent', 'notifyEvent'] as const) {
      const values = SYNC_CATEGORY_SPECS.map((c) => c[prop])
      expect(new Set(values).size, prop).toBe(values.length)
    }
    const events = SYNC_CATEGORY_SPECS.flatMap((c) => [c.itemEvent, c.notifyEvent])
    expect(new Set(events).size).toBe(events.length)
    expect(SYNC_CATEGORIES).toContain(DEFAULT_SYNC_CATEGORY)
  })

  it('each lies in a section of its flow', () => {
    for (const f of FLOWS) {
      for (const c of f.syncCategories) {
        expect(inSections(f, c.section), `${c.name} §${c.section}`).toBe(true)
        expect(() => section(c.section)).not.toThrow()
      }
    }
  })
})

import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {FEATURES, announcedFeatures, featureFlow, featureGroups, isFeature} from './features.js'
import {FLOW_NAMES} from './flows.js'
import {parseSchedulerAnswer} from './scheduler.js'

const answer = (extra: Record<string, unknown> = {}) => ({
  ret: 0, ttl: 60, clientIp: '127.0.0.1',
  groups: {long: ['ws://127.0.0.1:8081/long'], short: ['http://127.0.0.1:8080'], relay: [], media: [], qr: []},
  fallback: {},
  ...extra,
})

describe('the scheduler answer\'s features (PROTOCOL.md §2.2)', () => {
  it('are the flow ids but core, in the flows\' order: derived from PROTOCOL_FLOWS', () => {
    expect(FEATURES).toEqual(FLOW_NAMES.filter((n) => n !== 'core'))
    expect(FEATURES).toEqual(['qr', 'talk', 'nearby', 'shake', 'bottle', 'moments', 'media', 'shop'])
    expect(isFeature('core')).toBe(false)
    expect(isFeature('talk')).toBe(true)
  })

  it('name the groups a feature is served on', () => {
    expect(featureGroups('qr').map((g) => g.name)).toEqual(['qr'])
    expect(featureGroups('talk').map((g) => g.name)).toEqual(['relay'])
    expect(featureGroups('bottle')).toEqual([])
  })

  it('absent: the answer is valid and announces nothing (core only)', () => {
    const a = parseSchedulerAnswer(answer())
    expect(a.features).toBeUndefined()
    expect(announcedFeatures(a)).toEqual([])
  })

  it('are kept as received; ids this version does not know are ignored, not a violation', () => {
    const a = parseSchedulerAnswer(answer({features: ['talk', 'teleport', 'qr', 'core']}))
    expect(a.features).toEqual(['talk', 'teleport', 'qr', 'core'])
    expect(announcedFeatures(a)).toEqual(['qr', 'talk'])
  })

  it('that are not an array of strings violate the protocol', () => {
    expect(() => parseSchedulerAnswer(answer({features: 'talk'}))).toThrow(/features/)
    expect(() => parseSchedulerAnswer(answer({features: ['talk', 3]}))).toThrow(/features must be an array of feature id strings/)
  })
})

describe('PROTOCOL.md §2.2\'s feature table', () => {
  const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
  const s22 = doc.slice(doc.indexOf('<a id="s2.2"></a>'), doc.indexOf('<a id="s2.3"></a>'))
  const rows = s22.split('\n').filter((l) => /^\| `[a-z]+` \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))

  it('lists every feature once, in order, with its sections, groups and first long-link command', () => {
    expect(rows.map((r) => r[0])).toEqual(FEATURES.map((f) => `\`${f}\``))
    for (const [id, sections, groups, first] of rows) {
      const f = id!.slice(1, -1) as (typeof FEATURES)[number]
      expect(sections, f).toBe(featureFlow(f).sections.map((s) => `§${s}`).join(', '))
      expect(groups, f).toBe(featureGroups(f).map((g) => `\`${g.name}\``).join(', ') || '—')
      const cmd = featureFlow(f).commands.find((c) => c.direction === 'request')
      const route = Object.values(featureFlow(f).shortRoutes)[0]
      if (cmd) expect(first, f).toBe(`\`${cmd.name}\` (${cmd.id})`)
      else if (route) expect(first, f).toBe(`\`${route.method} SHORT${route.path}\``)
    }
  })
})

import {describe, expect, it} from 'vitest'
import {thrown} from '../../../test/support/thrown.js'
import type {ImhError} from '../../protocol/errors.js'
import {SCENARIO_KINDS, SCENARIO_MODULES, scenarioModule} from '../scenarios/index.js'
import {COMMON_OPTIONS} from '../scenarios/scenario-module.js'
import {listBuiltinProfiles, loadProfile, parseProfile} from './load-profile.js'

const profile = (kind: string, extra = '') => `scenarios: {s: {scenario: ${kind}, executor: constant-vus, vus: 1, duration: 1s${extra}}}`
const errorOf = (yaml: string): ImhError => thrown(() => parseProfile(yaml, 'x.yaml')) as ImhError

describe('the scenario parser, derived from the scenario modules', () => {
  it('knows every module, in list order', () => {
    expect(SCENARIO_KINDS).toEqual(SCENARIO_MODULES.map((m) => m.kind))
    expect(errorOf(profile('nope')).message).toContain(`expected one of ${SCENARIO_KINDS.join(', ')}`)
  })

  it.each(SCENARIO_KINDS)('%s: an empty scenario gets exactly the declared defaults, the common ones last', (kind) => {
    const declared = {...scenarioModule(kind).options, ...COMMON_OPTIONS}
    const expected = Object.fromEntries(Object.entries(declared).filter(([, o]) => o.default !== undefined).map(([property, o]) => [property, o.default]))
    const options = parseProfile(profile(kind), 'x.yaml').scenarios[0]!.options
    expect(options).toEqual(expected)
    expect(Object.keys(options).at(-1)).toBe('requestTimeoutMs')
  })

  it.each(SCENARIO_KINDS)('%s: each option is read from its field and checked', (kind) => {
    for (const o of Object.values(scenarioModule(kind).options)) {
      const err = errorOf(profile(kind, `, ${o.field}: [{}]`))
      expect(err.code).toBe('IMH_ERR_PROFILE_INVALID')
      expect(err.message).toContain(`scenarios.s.${o.field}`)
    }
  })

  it.each([
    ['throwInterval', 'chat'],
    ['spread', 'bottle'],
    ['heartbeatInterval', 'bottle'],
    ['url', 'chat'],
    ['pause', 'talk'],
  ])('a field of another kind (%s under %s) names the kinds it belongs to', (field, kind) => {
    // The kinds that declare the field, in list order.
    const owners = SCENARIO_MODULES.filter((m) => Object.values(m.options).some((o) => o.field === field)).map((m) => m.kind).join(', ')
    const err = errorOf(profile(kind, `, ${field}: 1`))
    expect(err.message).toContain(`field "${field}" does not apply to scenario ${kind} (only to ${owners})`)
  })

  it('takes requestTimeout for every kind', () => {
    for (const kind of SCENARIO_KINDS) expect(parseProfile(profile(kind, ', requestTimeout: 3s'), 'x.yaml').scenarios[0]!.options.requestTimeoutMs).toBe(3000)
  })

  it.each(SCENARIO_KINDS)('%s has a built-in profile of its name that runs it', async (kind) => {
    expect(listBuiltinProfiles()).toContain(kind)
    expect((await loadProfile(kind)).scenarios.map((s) => s.scenario)).toContain(kind)
  })
})

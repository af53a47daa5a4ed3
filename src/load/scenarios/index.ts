import {ImhError} from '../../protocol/errors.js'
import {DEFAULT_ADAPTER} from '../adapters/builtin.js'
import type {VuFactory} from '../executors/virtual-user.js'
import {bottle} from './bottle.js'
import {chat} from './chat.js'
import type {ScenarioContext} from './context.js'
import {download} from './download.js'
import {flashSale} from './flash-sale.js'
import {heartbeat} from './heartbeat.js'
import {http} from './http.js'
import {loginStorm} from './login-storm.js'
import {moments} from './moments.js'
import {nearby} from './nearby.js'
import {qrLogin} from './qr-login.js'
import {type ModuleOptions, type ScenarioModule, COMMON_OPTIONS} from './scenario-module.js'
import {shake} from './shake.js'
import {talk} from './talk.js'
import {wsPing} from './ws-ping.js'

/**
 * Every scenario kind of `imh load`, in the order docs and errors list them. Adding a kind means
 * its module (see scenario-module.ts), its import and entry here, and its built-in profile; the
 * profile parser, the overrides, the metric catalogue and docs/profiles.md follow from the list.
 */
export const SCENARIO_MODULES = [chat, heartbeat, loginStorm, wsPing, http, qrLogin, talk, nearby, shake, bottle, moments, download, flashSale] as const

type AnyModule = (typeof SCENARIO_MODULES)[number]
export type ScenarioKind = AnyModule['kind']
export const SCENARIO_KINDS: readonly ScenarioKind[] = SCENARIO_MODULES.map((m) => m.kind)

/** The options of scenario kind `K`, parsed and defaulted, as its factory receives them. */
export type ScenarioOptions<K extends ScenarioKind> = ModuleOptions<Extract<AnyModule, {kind: K}>['options']>

const BY_KIND = new Map<string, ScenarioModule>(SCENARIO_MODULES.map((m) => [m.kind, m]))
checkModules(SCENARIO_MODULES)

/** The module of a scenario kind. */
export function scenarioModule(kind: ScenarioKind): ScenarioModule {
  return BY_KIND.get(kind)!
}

/**
 * Whether a scenario speaks our protocol (and so needs a scheduler URL); a kind that takes
 * adapters needs one only under the `imh` adapter.
 */
export function needsScheduler(kind: ScenarioKind, adapter: string = DEFAULT_ADAPTER): boolean {
  const m = scenarioModule(kind)
  return m.needsScheduler && (!m.adapters || adapter === DEFAULT_ADAPTER)
}

/** The scenario kinds whose clients speak through any client adapter. */
export const ADAPTER_KINDS: readonly ScenarioKind[] = SCENARIO_MODULES.filter((m) => 'adapters' in m && m.adapters).map((m) => m.kind)

/**
 * Refuses a profile whose adapter (other than ours) meets a scenario that speaks only our
 * protocol, or a long-link transport (ours too): IMH_ERR_ADAPTER_UNSUPPORTED naming both.
 */
export function checkAdapterFit(profile: {name: string; scenarios: ReadonlyArray<{name: string; scenario: ScenarioKind}>; options: {adapter?: string; transport?: string}}): void {
  const adapter = profile.options.adapter
  if (adapter === undefined || adapter === DEFAULT_ADAPTER) return
  const only = profile.scenarios.find((s) => !ADAPTER_KINDS.includes(s.scenario))
  if (only) throw new ImhError('IMH_ERR_ADAPTER_UNSUPPORTED', `scenario ${only.name} (${only.scenario}) of profile "${profile.name}" speaks imh's own protocol only; adapter ${adapter} runs ${ADAPTER_KINDS.join(', ')}`)
  if (profile.options.transport) throw new ImhError('IMH_ERR_ADAPTER_UNSUPPORTED', `the long-link transport (${profile.options.transport}) is imh's; adapter ${adapter} chooses its own connection from --target`)
}

/** What `--rate` counts per scenario kind under VU executors, for help texts: "messages (chat), …". */
export function rateMeanings(): string {
  return SCENARIO_MODULES.flatMap((m) => (m.rate.sets === undefined ? [] : [`${m.rate.unit} (${m.kind})`])).join(', ')
}

/**
 * The virtual users of one scenario. `ctx.options` must be what the profile parser made of this
 * kind's fields, which is what makes handing them to the module as its typed options sound.
 */
export function factoryFor(kind: ScenarioKind, ctx: ScenarioContext): VuFactory {
  return scenarioModule(kind).create(ctx as Parameters<ScenarioModule['create']>[0])
}

/** Throws when two modules share a kind, or two options of one kind share a field or property name. */
export function checkModules(modules: readonly ScenarioModule[]): void {
  const kinds = new Set<string>()
  for (const m of modules) {
    if (kinds.has(m.kind)) throw new Error(`two scenario modules declare kind "${m.kind}"`)
    kinds.add(m.kind)
    const fields = new Set<string>()
    const properties = new Set<string>()
    for (const [property, o] of [...Object.entries(m.options), ...Object.entries(COMMON_OPTIONS)]) {
      if (fields.has(o.field)) throw new Error(`scenario ${m.kind}: two options read field "${o.field}"`)
      if (properties.has(property)) throw new Error(`scenario ${m.kind}: two options are named ${property}`)
      fields.add(o.field)
      properties.add(property)
    }
  }
}

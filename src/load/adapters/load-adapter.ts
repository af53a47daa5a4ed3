import {pathToFileURL} from 'node:url'
import {ImhError} from '../../protocol/index.js'
import {didYouMean} from '../profile/fields.js'
import type {AdapterGuarantees, ClientAdapter, ResolvedAdapter} from './adapter.js'

export type {ResolvedAdapter} from './adapter.js'
import {parseAdapterOptions} from './adapter-options.js'
import {BUILTIN_ADAPTERS, BUILTIN_ADAPTER_NAMES, DEFAULT_ADAPTER, isAdapterModule, isBuiltinAdapter} from './builtin.js'

/** Checks a module's export against the contract; IMH_ERR_ADAPTER_INVALID names every missing or mistyped member. */
export function validateAdapter(value: unknown, where: string): ClientAdapter {
  if (typeof value !== 'object' || value === null) {
    throw new ImhError('IMH_ERR_ADAPTER_INVALID', `${where} exports no adapter: export default defineAdapter({name, description, schemes, options, guarantees, connect}) (docs/adapters.md)`)
  }
  const a = value as Record<string, unknown>
  const wrong: string[] = []
  const want = (key: string, ok: boolean, what: string): void => void (ok || wrong.push(`${key} (${a[key] === undefined ? 'missing' : 'not ' + what})`))
  want('name', typeof a.name === 'string' && a.name !== '', 'a non-empty string')
  want('connect', typeof a.connect === 'function', 'a function (request) => Promise<session>')
  want('guarantees', typeof a.guarantees === 'function', 'a function (options) => {acknowledged, delivery, ordered}')
  if (a.schemes !== undefined) want('schemes', Array.isArray(a.schemes) && a.schemes.every((s) => typeof s === 'string'), 'a list of URL schemes')
  if (a.options !== undefined) want('options', typeof a.options === 'object' && a.options !== null && !Array.isArray(a.options), 'a map of option declarations')
  if (a.description !== undefined) want('description', typeof a.description === 'string', 'a string')
  if (wrong.length) throw new ImhError('IMH_ERR_ADAPTER_INVALID', `${where}: the adapter lacks or mistypes ${wrong.join(', ')} (docs/adapters.md)`)
  return {description: '', schemes: [], options: {}, ...a} as unknown as ClientAdapter
}

function checkGuarantees(g: unknown, name: string): AdapterGuarantees {
  const o = g as Partial<AdapterGuarantees> | undefined
  const ok = typeof o === 'object' && o !== null && typeof o.acknowledged === 'boolean' && typeof o.ordered === 'boolean'
    && ['at-most-once', 'at-least-once', 'exactly-once'].includes(o.delivery as string)
  if (!ok) throw new ImhError('IMH_ERR_ADAPTER_INVALID', `adapter ${name}: guarantees() must return {acknowledged: boolean, delivery: 'at-most-once' | 'at-least-once' | 'exactly-once', ordered: boolean}, got ${JSON.stringify(g)}`)
  return {acknowledged: o.acknowledged!, delivery: o.delivery!, ordered: o.ordered!}
}

/** Imports a built-in adapter or a module file (default export, or an export named `adapter`) and checks it. */
export async function loadAdapter(spec: string = DEFAULT_ADAPTER): Promise<ClientAdapter> {
  if (isBuiltinAdapter(spec)) return BUILTIN_ADAPTERS[spec]() as Promise<ClientAdapter>
  if (!isAdapterModule(spec)) {
    throw new ImhError('IMH_ERR_ADAPTER_NOT_FOUND', `no built-in adapter "${spec}"; built-in: ${BUILTIN_ADAPTER_NAMES.join(', ')}${didYouMean(spec, BUILTIN_ADAPTER_NAMES)}, or a module file such as ./my-adapter.js`)
  }
  const url = spec.startsWith('file:') ? spec : pathToFileURL(spec).href
  let mod: Record<string, unknown>
  try {
    mod = await import(url) as Record<string, unknown>
  } catch (err) {
    const e = err as {code?: string; message: string}
    const why = e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(spec) ? 'no such file' : e.message.split('\n')[0]
    throw new ImhError('IMH_ERR_ADAPTER_NOT_FOUND', `could not import adapter module ${spec}: ${why}`)
  }
  return validateAdapter(mod.default ?? mod.adapter, `adapter module ${spec}`)
}

/** The adapter a profile names, with its `options.adapterOptions` parsed (`file`: the profile, for errors). */
export async function resolveAdapter(spec: string | undefined, rawOptions: unknown, file: string): Promise<ResolvedAdapter> {
  const adapter = await loadAdapter(spec)
  const options = parseAdapterOptions(adapter, rawOptions, file) as Record<string, unknown>
  return {spec: spec ?? DEFAULT_ADAPTER, adapter, options, guarantees: checkGuarantees(adapter.guarantees(options as never), adapter.name)}
}

/** Refuses a target URL whose scheme the adapter does not take (IMH_ERR_ADAPTER_UNSUPPORTED). */
export function checkTargetScheme(adapter: ClientAdapter, target: string): void {
  const scheme = target.match(/^([a-z][a-z0-9+.-]*):/i)?.[1]?.toLowerCase()
  if (adapter.schemes.length === 0 || (scheme && adapter.schemes.includes(scheme))) return
  throw new ImhError('IMH_ERR_ADAPTER_UNSUPPORTED', `adapter ${adapter.name} takes --target ${adapter.schemes.map((s) => `${s}://…`).join(' or ')}, got "${target}"`)
}

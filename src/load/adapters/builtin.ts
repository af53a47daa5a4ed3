import {isAbsolute, resolve} from 'node:path'
import {imhAdapter} from './imh.js'
import type {ClientAdapter} from './adapter.js'

/**
 * The built-in client adapters by the name `--adapter` takes. Each is imported only when a run
 * names it, so a run of our own protocol never loads mqtt.js or @xmpp/client. Adding one is its
 * module and its line here; docs/adapters.md's table and `--adapter`'s help follow from this.
 */
export const BUILTIN_ADAPTERS = {
  // Ours is imported statically anyway (the scenarios that speak more of our protocol use it).
  imh: async () => imhAdapter,
  'json-ws': async () => (await import('./json-ws.js')).jsonWsAdapter,
  mqtt: async () => (await import('./mqtt.js')).mqttAdapter,
  xmpp: async () => (await import('./xmpp.js')).xmppAdapter,
} satisfies Record<string, () => Promise<ClientAdapter<any>>>

export type BuiltinAdapterName = keyof typeof BUILTIN_ADAPTERS
export const BUILTIN_ADAPTER_NAMES = Object.keys(BUILTIN_ADAPTERS) as BuiltinAdapterName[]

/** The adapter a profile without `options.adapter` speaks. */
export const DEFAULT_ADAPTER: BuiltinAdapterName = 'imh'

export function isBuiltinAdapter(name: string): name is BuiltinAdapterName {
  return Object.hasOwn(BUILTIN_ADAPTERS, name)
}

/**
 * Whether `--adapter`/`options.adapter` names a module file rather than a built-in: a path
 * (`./x.js`, `/abs/x.mjs`, `file:` URL) or anything ending in .js, .mjs or .cjs.
 */
export function isAdapterModule(spec: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|file:)/.test(spec) || /\.[mc]?js$/.test(spec)
}

/**
 * `spec` as a profile keeps it: a built-in name as it is, a module path made absolute against
 * `base` (the working directory for `--adapter`, the profile's folder for `options.adapter`), so
 * that every worker and agent imports the same file.
 */
export function adapterSpec(spec: string, base: string): string {
  if (!isAdapterModule(spec) || spec.startsWith('file:') || isAbsolute(spec)) return spec
  return resolve(base, spec)
}

import {MapReader} from '../profile/fields.js'
import {type OptionDecls, type ParsedOptions, readOptions} from '../profile/option-spec.js'
import type {ClientAdapter} from './adapter.js'

/**
 * An adapter's options from the profile's `options.adapterOptions` (`raw`): each declared field
 * checked and defaulted, unknown fields refused by name (IMH_ERR_INVALID_OPTION naming
 * `options.adapterOptions.<field>` in `file`).
 */
export function parseAdapterOptions<O extends OptionDecls>(adapter: Pick<ClientAdapter<O>, 'name' | 'options'>, raw: unknown, file: string): ParsedOptions<O> {
  const r = new MapReader(file, 'options.adapterOptions', raw ?? {}, `a map of the ${adapter.name} adapter's options`)
  r.unknown(Object.values(adapter.options).map((o) => o.field), (key) => `adapter ${adapter.name} has no option ${JSON.stringify(key)}`)
  return readOptions(r, adapter.options) as ParsedOptions<O>
}

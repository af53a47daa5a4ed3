import type {GeneratedBlock} from '../../common/doc-blocks.js'
import type {AdapterGuarantees, ClientAdapter} from '../adapters/adapter.js'
import {parseAdapterOptions} from '../adapters/adapter-options.js'
import {BUILTIN_ADAPTERS, BUILTIN_ADAPTER_NAMES} from '../adapters/builtin.js'
import {OPTION_HEADER, code, optionRows, table} from './markdown.js'

const ADAPTERS_DOC = 'docs/adapters.md'

function describe(g: AdapterGuarantees): string {
  return `${g.delivery}, ${g.ordered ? 'ordered' : 'unordered'}, ${g.acknowledged ? 'acknowledged' : 'unacknowledged'}`
}

/** What an adapter promises with its default options; one whose options have required fields promises what they say. */
function promises(a: ClientAdapter): string {
  try {
    return describe(a.guarantees(parseAdapterOptions(a, {}, ADAPTERS_DOC) as never))
  } catch {
    return 'as its options declare'
  }
}

/** One adapter's section: what it is, what it promises with its defaults, its options. */
function section(a: ClientAdapter): string {
  const options = Object.keys(a.options).length ? table(OPTION_HEADER, optionRows(a.options)) : 'No options.'
  const more = a.name === 'imh' ? '' : ` More: [adapters/${a.name}.md](adapters/${a.name}.md).`
  return [`### ${code(a.name)}`, '', `${a.description}. \`--target\`: ${a.schemes.map((s) => code(`${s}://…`)).join(', ')}. With its defaults: ${promises(a)}.${more}`, '', options].join('\n')
}

/**
 * The generated blocks of docs/adapters.md, from the built-in adapter modules (imported here:
 * the docs are the one place that needs every one of them).
 */
export async function adapterDocBlocks(): Promise<GeneratedBlock[]> {
  const adapters = await Promise.all(BUILTIN_ADAPTER_NAMES.map((n) => BUILTIN_ADAPTERS[n]() as Promise<ClientAdapter>))
  const rows = adapters.map((a) => [code(a.name), a.schemes.map((s) => `${s}://`).join(' '), promises(a), a.description])
  return [
    {file: ADAPTERS_DOC, block: 'builtin-adapters', content: table(['--adapter', '--target', 'promises (defaults)', 'what'], rows)},
    {file: ADAPTERS_DOC, block: 'adapter-options', content: adapters.map(section).join('\n\n')},
  ]
}

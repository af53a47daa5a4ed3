import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {BUILTIN_ADAPTERS, BUILTIN_ADAPTER_NAMES} from '../src/load/adapters/builtin.js'
import type {ClientAdapter} from '../src/load/adapters/adapter.js'

// Each built-in adapter's own page (docs/adapters/<name>.md) explains its options at more length
// than the generated table of docs/adapters.md; its table must still name exactly the options the
// module declares, so that neither an option nor a page falls behind.

/** The first column of the first table under the page's "## Options" heading. */
function optionTable(doc: string): string[] {
  const at = doc.search(/^## Options/m)
  const lines = doc.slice(at).split('\n')
  const start = lines.findIndex((l) => l.startsWith('|'))
  const rows = []
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break
    rows.push(l.split('|')[1]!.trim().replace(/`/g, ''))
  }
  return rows
}

describe('each built-in adapter page lists its options', () => {
  it.each(BUILTIN_ADAPTER_NAMES.filter((n) => n !== 'imh'))('docs/adapters/%s.md', async (name) => {
    const adapter = await BUILTIN_ADAPTERS[name]() as ClientAdapter
    const doc = readFileSync(new URL(`../docs/adapters/${name}.md`, import.meta.url), 'utf8')
    expect(optionTable(doc).sort()).toEqual(Object.values(adapter.options).map((o) => o.field).sort())
  })
})

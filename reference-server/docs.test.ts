import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {readBlock} from '../src/common/doc-blocks.js'
import {packageRoot} from '../src/common/package-root.js'
import {serverDocBlocks} from './docs.js'
import {ADDRESS_FLAGS, LIMIT_FLAGS} from './serve-flags.js'

describe('generated docs of the reference server', () => {
  it.each(serverDocBlocks().map((b) => [`${b.file} ${b.block}`, b] as const))('%s is current', (_name, b) => {
    const doc = readFileSync(join(packageRoot(), b.file), 'utf8')
    expect(readBlock(doc, b.block), `${b.file} block "${b.block}" is stale or missing: run npm run docs`).toBe(b.content)
  })

  it('lists every flag of imh serve with its default, range and section', () => {
    const table = serverDocBlocks().find((b) => b.block === 'serve-flags')!.content
    expect(table).toContain('| `--ring-timeout` | `30000` | 100–300000 | ms | ms a call rings before it ends with reason "timeout" | §11.2 |')
    expect(table).toContain('| `--host` | `127.0.0.1` | — | — | address to bind | — |')
    expect(table.split('\n')).toHaveLength(2 + Object.keys(ADDRESS_FLAGS).length + LIMIT_FLAGS.length)
  })
})

import {describe, expect, it} from 'vitest'
import {serverDocBlocks} from './docs.js'
import {ADDRESS_FLAGS, GROUP_FLAGS, LIMIT_FLAGS, SERVE_FLAGS} from './serve-flags.js'

describe('generated docs of the reference server', () => {
  it('lists every flag of imh serve with its default, range and section', () => {
    const table = serverDocBlocks().find((b) => b.block === 'serve-flags')!.content
    expect(table).toContain('| `--ring-timeout` | `30000` | 100–300000 | ms | ms a call rings before it ends with reason "timeout" | §11.2 |')
    expect(table).toContain('| `--host` | `127.0.0.1` | — | — | address to bind | — |')
    expect(table).toContain('| `--flows` | every flow | — | — | run only these flows')
    // The address flags, --flows, and one per limit.
    expect(SERVE_FLAGS).toHaveLength(Object.keys(ADDRESS_FLAGS).length + 1 + Object.keys(GROUP_FLAGS).length + LIMIT_FLAGS.length)
    expect(table.split('\n')).toHaveLength(2 + SERVE_FLAGS.length)
  })
})

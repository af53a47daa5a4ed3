import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {formatCaseTable} from '../report/text.js'
import {ALL_CASES} from './index.js'

const spec = readFileSync(new URL('../../../PROTOCOL.md', import.meta.url), 'utf8')

describe('the case catalogue', () => {
  it('has unique, stable-looking ids of the form group.name', () => {
    const ids = ALL_CASES.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/)
  })

  it('cites only sections that exist in PROTOCOL.md', () => {
    const missing = ALL_CASES.filter((c) => !spec.includes(`<a id="s${c.section}"></a>`)).map((c) => `${c.id} → §${c.section}`)
    expect(missing).toEqual([])
  })

  it('covers every flow the foundation issue names, negatives included', () => {
    const ids = new Set(ALL_CASES.map((c) => c.id))
    for (const id of [
      'frame.bad-version', 'frame.oversize-header', 'frame.bad-json', 'frame.unknown-cmd', 'session.auth-first', 'session.bad-token',
      'session.handshake-timeout', 'sync.duplicate-client-msg-id', 'sync.offline-delivery', 'sync.order-1000', 'sync.paging-continue',
      'session.kick-second-login', 'session.heartbeat-echo', 'session.idle-timeout', 'scheduler.fallback-serves',
    ]) expect(ids, id).toContain(id)
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(30)
  })

  it('is documented in docs/conformance-cases.md, and the document is current (npm run docs:cases)', () => {
    const doc = readFileSync(new URL('../../../docs/conformance-cases.md', import.meta.url), 'utf8')
    expect(doc).toBe(formatCaseTable(ALL_CASES))
  })
})

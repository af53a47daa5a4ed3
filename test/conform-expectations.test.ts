import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {FullPageContinueStore} from './doubles/full-page-continue-store.js'
import {oneLine, runCli} from './support/run-cli.js'

// The double breaks exactly one case (PROTOCOL.md §6.4): a full last page says continue.
const BROKEN = 'sync.continue-full-last-page'
const HEALTHY = 'sync.send-ack'

describe('imh conform --expect (the ratchet) against a server with one known bug', () => {
  let server: ReferenceServer
  let store: FullPageContinueStore
  const dir = mkdtempSync(join(tmpdir(), 'imh-expect-'))

  beforeAll(async () => {
    store = new FullPageContinueStore()
    server = await startEmbeddedTarget({store, port: 0})
  })
  afterAll(async () => {
    await server.close()
    await store.close()
  })

  function expectFile(name: string, expected: Record<string, {verdict: string; reason: string}>): string {
    const path = join(dir, name)
    writeFileSync(path, JSON.stringify({version: 1, expected}))
    return path
  }

  const conform = (...args: string[]) =>
    runCli(['conform', '--target', server.urls.scheduler, '--resolver', server.resolver as string, '--case', BROKEN, '--case', HEALTHY, ...args])

  it('exits 0 when the only failure is expected, and shows it as expected', async () => {
    const file = expectFile('expected.json', {[BROKEN]: {verdict: 'fail', reason: 'continue from page length, ticket 42'}})
    const r = await conform('--expect', file, '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.summary).toMatchObject({fail: 1, ok: true})
    expect(report.cases.find((c: {id: string}) => c.id === BROKEN).expected).toEqual({verdict: 'fail', reason: 'continue from page length, ticket 42'})
    expect(report.expectations).toMatchObject({ok: true, expectedFailures: [BROKEN], unexpectedPasses: [], unknownIds: []})
    const text = await conform('--expect', file)
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('expected (--expect): continue from page length, ticket 42')
    expect(text.stdout).toContain('OK: every failure is expected (--expect)')
  })

  it('exits 1 when an expected failure now passes, saying to update the file', async () => {
    const file = expectFile('stale.json', {[BROKEN]: {verdict: 'fail', reason: 'r'}, [HEALTHY]: {verdict: 'fail', reason: 'fixed since'}})
    const r = await conform('--expect', file)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`expected to fail but now pass: ${HEALTHY} — remove them from ${file}`)
  })

  it('exits 1 on a failure the file does not list', async () => {
    const r = await conform('--expect', expectFile('empty.json', {}))
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`unexpected failure(s), not in the file: ${BROKEN}`)
  })

  it('exits 1 on an id no case has, and 2 on a malformed file naming the entry', async () => {
    const unknown = await conform('--expect', expectFile('unknown.json', {[BROKEN]: {verdict: 'fail', reason: 'r'}, 'sync.renamed-away': {verdict: 'fail', reason: 'r'}}))
    expect(unknown.code).toBe(1)
    expect(unknown.stdout).toContain('no case has these ids (renamed or removed): sync.renamed-away')
    const bad = await runCli(['conform', '--expect', expectFile('bad.json', {[BROKEN]: {verdict: 'flaky', reason: 'r'}})])
    expect(bad.code).toBe(2)
    expect(oneLine(bad.stderr)).toContain(`bad.json: entry "${BROKEN}": "verdict" must be one of fail, unimplemented`)
  })

  it('--write-expect writes the current state, which the next run accepts', async () => {
    const written = join(dir, 'written.json')
    const first = await conform('--write-expect', written)
    expect(first.code).toBe(1)
    const file = JSON.parse(readFileSync(written, 'utf8'))
    expect(Object.keys(file.expected)).toEqual([BROKEN])
    expect(file.expected[BROKEN]).toEqual({verdict: 'fail', reason: expect.stringMatching(/continue on page 1/)})
    const second = await conform('--expect', written)
    expect(second.code, second.stdout).toBe(0)
  })
})

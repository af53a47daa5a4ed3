import {parse} from 'junit2json'
import {describe, expect, it} from 'vitest'
import {formatJunitXml, xmlEscape} from './junit-xml.js'

describe('formatJunitXml', () => {
  it('derives every count from the cases and reads back through a JUnit parser', async () => {
    const xml = formatJunitXml('tool', 2500, [{name: 's "1"', timestamp: '2026-01-01T00:00:00.000Z', timeMs: 1500, cases: [
      {classname: 'a', name: 'ok', timeMs: 10, systemOut: 'fine'},
      {classname: 'a', name: 'bad <x>', timeMs: 20, failure: {message: 'got & lost', type: 'MUST', body: 'why\u0001'}},
      {classname: 'b', name: 'broken', timeMs: 0, error: {message: 'boom', body: 'stack'}},
      {classname: 'b', name: 'na', timeMs: 0, skipped: 'not here'},
    ]}])
    expect(xml).not.toContain('\u0001')
    const doc = await parse(xml) as {tests?: number; failures?: number; errors?: number; testsuite?: Array<{name?: string; tests?: number; skipped?: number; time?: number; testcase?: Array<{name?: string; failure?: Array<{message?: string; type?: string; inner?: string}>; error?: unknown[]; skipped?: unknown[]; 'system-out'?: string[]}>}>}
    expect(doc).toMatchObject({tests: 4, failures: 1, errors: 1})
    const suite = doc.testsuite![0]!
    expect(suite).toMatchObject({name: 's "1"', tests: 4, skipped: 1, time: 1.5})
    expect(suite.testcase!.map((c) => c.name)).toEqual(['ok', 'bad <x>', 'broken', 'na'])
    expect(suite.testcase![1]!.failure![0]).toMatchObject({message: 'got & lost', type: 'MUST', inner: 'why'})
    expect(suite.testcase![0]!['system-out']).toEqual(['fine'])
  })

  it('escapes the five XML specials and drops forbidden control characters', () => {
    expect(xmlEscape('<a href="x">&\u0007</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;')
  })
})

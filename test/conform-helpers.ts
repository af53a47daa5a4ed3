import {expect} from 'vitest'
import {ALL_CASES, CaseFailure, ConformanceRunner, type ConformanceReport, type RunOptions, selectCases, verdictFor} from '../src/conform/index.js'
import type {ReferenceServer} from '../reference-server/index.js'

/**
 * Runs the cases matching `globs` against a running server; returns the report. However broken
 * the server, no case may end in `error`: that verdict blames the harness, not the target.
 * `options` adds to the runner's (e.g. `maxWaitMs`).
 */
export async function conform(server: ReferenceServer, globs: string[] = [], exclude: string[] = [], options: Partial<RunOptions> = {}): Promise<ConformanceReport> {
  // The server's own DNS answers for the names its scheduler does not list, as `imh conform` asks it.
  const report = await new ConformanceRunner({scheduler: server.urls.scheduler, resolver: server.resolver, cases: selectCases(ALL_CASES, globs, exclude), ...options}).run()
  expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  return report
}

/** id → verdict, for compact assertions. */
export function verdicts(report: ConformanceReport): Record<string, string> {
  return Object.fromEntries(report.cases.map((c) => [c.id, c.verdict]))
}

/** A broken double's verdicts: each case of `fail` fails for its reason (the message matches), each of `pass` passes. */
export function expectDoubleVerdicts(report: ConformanceReport, fail: Record<string, RegExp>, pass: readonly string[]): void {
  const expected = Object.fromEntries([...Object.keys(fail).map((id) => [id, 'fail']), ...pass.map((id) => [id, 'pass'])])
  const messages = report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)
  expect(verdicts(report), messages.join('\n')).toEqual(expected)
  for (const [id, reason] of Object.entries(fail)) expect(report.cases.find((c) => c.id === id)?.message).toMatch(reason)
}

/**
 * id → the verdict each case matching `globs` gets when its requirement is broken (fail, non-strict
 * or info by its level), as the runner decides it: for doubles that break every case of a flow at once.
 */
export function brokenVerdicts(globs: string[]): Record<string, string> {
  return Object.fromEntries(selectCases(ALL_CASES, globs).map((c) => [c.id, verdictFor(c, {ok: false, error: new CaseFailure('broken')}).verdict]))
}

import {ImhError} from '../protocol/errors.js'
import {runOk} from './runner.js'
import type {CaseResult, ConformanceReport} from './types.js'
import {countVerdicts} from './verdicts.js'

/**
 * States a case may be expected in. An `unimplemented` verdict never fails the run, so it never
 * needs listing and `--write-expect` never writes it; an entry may still say `unimplemented` (to
 * document a feature not yet built): the case being unimplemented is then as expected, and the
 * entry fails the run once the case passes, like any other.
 */
export const EXPECTED_STATES = ['fail', 'unimplemented'] as const
export type ExpectedState = (typeof EXPECTED_STATES)[number]

/** One entry of an expectations file: why the case is known not to pass. */
export interface Expectation {
  verdict: ExpectedState
  reason: string
}

/** An expectations file (`imh conform --expect`), version 1: case id → expectation. */
export interface ExpectationsFile {
  version: 1
  expected: Record<string, Expectation>
}

/** A case as the ratchet sees the catalogue: its id and the ids it had before a rename. */
export interface KnownCase {
  id: string
  aliases?: readonly string[]
}

/** What the ratchet made of a run. */
export interface Judgement {
  /** No unexpected failure, no expected failure that now passes, no unknown id. */
  ok: boolean
  /** Case ids that failed as the file expects. */
  expectedFailures: string[]
  /** Case ids that failed the run and are not in the file (or not in the state it expects). */
  unexpectedFailures: string[]
  /** Case ids the file expects to fail that now pass: the file must be updated. */
  unexpectedPasses: string[]
  /** Ids in the file that no case has, not even as an alias (renamed without an alias, or removed). */
  unknownIds: string[]
  /** Old id → current id, for entries found through an alias (the file still works; update it at leisure). */
  renamed: Record<string, string>
}

const STATE_VERDICTS: Record<ExpectedState, readonly string[]> = {fail: ['fail', 'non-strict'], unimplemented: ['unimplemented']}

function invalid(file: string, what: string): ImhError {
  return new ImhError('IMH_ERR_INVALID_OPTION', `--expect ${file}: ${what}`, {option: '--expect', file})
}

/** Validates an expectations file's text at the boundary; errors name the file and the entry. */
export function parseExpectations(text: string, file: string): ExpectationsFile {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw invalid(file, `not JSON (${(err as Error).message})`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(file, 'must be an object {"version": 1, "expected": {…}}')
  const {version, expected} = doc as Record<string, unknown>
  if (version !== 1) throw invalid(file, `"version" must be 1, got ${JSON.stringify(version)}`)
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) throw invalid(file, '"expected" must be an object of case id → {verdict, reason}')
  const out: Record<string, Expectation> = {}
  for (const [id, entry] of Object.entries(expected)) {
    const e = entry as Record<string, unknown> | null
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw invalid(file, `entry "${id}" must be an object {verdict, reason}`)
    if (!EXPECTED_STATES.includes(e.verdict as ExpectedState)) throw invalid(file, `entry "${id}": "verdict" must be one of ${EXPECTED_STATES.join(', ')}, got ${JSON.stringify(e.verdict)}`)
    if (typeof e.reason !== 'string' || e.reason.trim() === '') throw invalid(file, `entry "${id}": "reason" must be a non-empty string`)
    const extra = Object.keys(e).filter((k) => k !== 'verdict' && k !== 'reason')
    if (extra.length > 0) throw invalid(file, `entry "${id}": unknown field(s) ${extra.join(', ')}`)
    out[id] = {verdict: e.verdict as ExpectedState, reason: e.reason}
  }
  return {version: 1, expected: out}
}

/**
 * Judges a run against the expectations. A result that fails the run (the runner's own rule,
 * --strict included) is excused only by an entry expecting that state; an entry whose case now
 * passes fails the run, so a fix is recorded by updating the file. Cases outside the run (not
 * selected) are neither excused nor flagged; ids unknown to the whole catalogue are.
 */
export function judge(report: Pick<ConformanceReport, 'cases' | 'strict'>, expectations: ExpectationsFile, catalogue: readonly KnownCase[]): Judgement {
  const current = new Map<string, string>()
  for (const c of catalogue) {
    current.set(c.id, c.id)
    for (const a of c.aliases ?? []) current.set(a, c.id)
  }
  const byCase = new Map<string, Expectation>()
  const unknownIds: string[] = []
  const renamed: Record<string, string> = {}
  for (const [id, e] of Object.entries(expectations.expected)) {
    const to = current.get(id)
    if (to === undefined) unknownIds.push(id)
    else {
      if (to !== id) renamed[id] = to
      byCase.set(to, e)
    }
  }
  const expectedFailures: string[] = []
  const unexpectedFailures: string[] = []
  const unexpectedPasses: string[] = []
  // A case may have a result per transport (--transport both): an expectation is of the case, so
  // it still holds while the case fails on any transport, and each id is listed once.
  const failing = new Set(report.cases.filter((r) => failsRun(r, report.strict)).map((r) => r.id))
  const add = (list: string[], id: string): void => void (list.includes(id) || list.push(id))
  for (const r of report.cases) {
    const e = byCase.get(r.id)
    if (failsRun(r, report.strict)) {
      if (e && STATE_VERDICTS[e.verdict].includes(r.verdict)) add(expectedFailures, r.id)
      else add(unexpectedFailures, r.id)
    } else if (e && r.verdict === 'pass' && !failing.has(r.id)) add(unexpectedPasses, r.id)
  }
  const ok = unexpectedFailures.length === 0 && unexpectedPasses.length === 0 && unknownIds.length === 0
  return {ok, expectedFailures, unexpectedFailures, unexpectedPasses, unknownIds, renamed}
}

function failsRun(r: Pick<CaseResult, 'verdict'>, strict: boolean): boolean {
  return !runOk(countVerdicts([r]), strict)
}

/** What `--expect` adds to a report: each result's expectation, the judgement, and `summary.ok` the judgement's. */
export interface JudgedReport extends ConformanceReport {
  cases: (CaseResult & {expected?: Expectation})[]
  expectations: Judgement & {file: string}
}

/** The report as judged against an expectations file (for `--json`, the text report and the exit code). */
export function applyJudgement(report: ConformanceReport, expectations: ExpectationsFile, judgement: Judgement, file: string): JudgedReport {
  const byCase = new Map(Object.entries(expectations.expected).map(([id, e]) => [judgement.renamed[id] ?? id, e]))
  return {
    ...report,
    summary: {...report.summary, ok: judgement.ok},
    cases: report.cases.map((r) => (byCase.has(r.id) ? {...r, expected: byCase.get(r.id)} : r)),
    expectations: {file, ...judgement},
  }
}

/**
 * The expectations file for the run as it stands: every case that failed it (harness errors
 * excepted: those are never expected), reasons kept from `previous` or taken from the first line
 * of the failure message.
 */
export function currentExpectations(report: Pick<ConformanceReport, 'cases' | 'strict'>, previous?: ExpectationsFile): ExpectationsFile {
  const ran = new Set(report.cases.map((r) => r.id))
  // Entries for cases this run did not select stay: writing after `--case 'sync.*'` keeps the rest.
  const expected: Record<string, Expectation> = Object.fromEntries(Object.entries(previous?.expected ?? {}).filter(([id]) => !ran.has(id)))
  for (const r of report.cases) {
    if (!failsRun(r, report.strict) || r.verdict === 'error') continue
    const kept = previous?.expected[r.id]
    // Only fail and non-strict fail a run here (unimplemented does not; under --require it is a fail).
    expected[r.id] = {verdict: 'fail', reason: kept?.reason ?? (r.message.split('\n')[0]?.trim() || r.requirement)}
  }
  return {version: 1, expected}
}

/** The ratchet's lines under the text report. */
export function formatJudgement(j: Judgement & {file: string}): string {
  const lines = [`Expectations (${j.file}): ${j.expectedFailures.length} expected failure(s)${j.ok ? ', nothing unexpected' : ''}`]
  if (j.unexpectedFailures.length) lines.push(`  unexpected failure(s), not in the file: ${j.unexpectedFailures.join(', ')}`)
  if (j.unexpectedPasses.length) lines.push(`  expected to fail but now pass: ${j.unexpectedPasses.join(', ')} — remove them from ${j.file} (or rewrite it with --write-expect)`)
  if (j.unknownIds.length) lines.push(`  no case has these ids (renamed or removed): ${j.unknownIds.join(', ')} — update ${j.file}`)
  for (const [from, to] of Object.entries(j.renamed)) lines.push(`  ${from} is now ${to} (alias; update ${j.file} at leisure)`)
  return lines.join('\n')
}

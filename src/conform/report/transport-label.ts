import type {CaseResult, ConformanceReport} from '../types.js'

/**
 * Whether a report names each result's transport: a run on anything but WebSocket alone (the
 * default, whose reports stay as they were before `--transport`).
 */
export function namesTransports(report: Pick<ConformanceReport, 'transports'>): boolean {
  const t = report.transports ?? ['ws']
  return t.length !== 1 || t[0] !== 'ws'
}

/** A result's id, with its transport when the report names them: `frame.seq-echo [tcp]`. */
export function caseLabel(r: Pick<CaseResult, 'id' | 'transport'>, named: boolean): string {
  return named && r.transport ? `${r.id} [${r.transport}]` : r.id
}

/** What the heading says of the transports when the report names them: ` — long link over ws and tcp`. */
export function transportsNote(report: Pick<ConformanceReport, 'transports'>): string {
  return namesTransports(report) ? ` — long link over ${(report.transports ?? ['ws']).join(' and ')}` : ''
}

/** A result's HTML anchor: unique over the results of one case on several transports. */
export function caseAnchor(r: Pick<CaseResult, 'id' | 'transport'>, named: boolean): string {
  return named && r.transport ? `case-${r.id}-${r.transport}` : `case-${r.id}`
}

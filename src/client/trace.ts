/** One line of a connection's history, kept for failed conformance cases and debugging. */
export interface TraceEntry {
  /** ms since the trace began. */
  t: number
  dir: 'send' | 'recv' | 'event'
  cmd?: number
  name?: string
  seq?: number
  bodyLen?: number
  /** The body as text, cut to 200 characters; raw bytes that are not a frame as hex. */
  body?: string
  note?: string
}

export type TraceSink = (entry: TraceEntry) => void

const PREVIEW = 200

export function previewBody(body: Buffer): string {
  const text = body.toString('utf8')
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}… (${body.length} bytes)` : text
}

/** Collects entries with times relative to its creation. */
export class Trace {
  readonly entries: TraceEntry[] = []
  private readonly start = performance.now()

  constructor(private readonly limit = 500) {}

  readonly sink: TraceSink = (entry) => {
    if (this.entries.length >= this.limit) return
    this.entries.push({...entry, t: Math.round((performance.now() - this.start) * 10) / 10})
  }
}

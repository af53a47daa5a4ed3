import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from './package-root.js'

/** One numbered section of PROTOCOL.md, as a report quotes it. */
export interface ProtocolSection {
  /** "6.4", "12". */
  number: string
  /** The heading's words after the number: "SYNC". */
  title: string
  /** The Markdown between the heading and the next heading of its level or above, anchors removed, trimmed. */
  body: string
}

/** `<a id="s6.4"></a>` lines: PROTOCOL.md puts one above each numbered heading for links. */
const ANCHOR = /^<a id="s[\d.]+"><\/a>\s*$/
/** `## 6. SYNC (notify-then-pull)` or `### 6.4 SYNC`. */
const HEADING = /^(#{2,6})\s+(\d+(?:\.\d+)*)\.?\s+(.*?)\s*$/

/**
 * Every numbered section of a PROTOCOL.md text by number. A section's body stops at the next
 * heading of its level or above, so a top-level section ("6") keeps its subsections and a
 * subsection ("6.4") is its own paragraphs only. Headings inside fenced code blocks do not count.
 */
export function protocolSections(doc: string): Map<string, ProtocolSection> {
  const lines = doc.split('\n')
  const heads: {line: number; depth: number; number: string; title: string}[] = []
  let fenced = false
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const m = fenced ? null : HEADING.exec(line)
    if (m) heads.push({line: i, depth: m[1]!.length, number: m[2]!, title: m[3]!})
  })
  const sections = new Map<string, ProtocolSection>()
  heads.forEach((h, k) => {
    const end = heads.slice(k + 1).find((n) => n.depth <= h.depth)?.line ?? lines.length
    const body = lines.slice(h.line + 1, end).filter((l) => !ANCHOR.test(l)).join('\n').trim()
    if (!sections.has(h.number)) sections.set(h.number, {number: h.number, title: h.title, body})
  })
  return sections
}

let cached: Map<string, ProtocolSection> | undefined

/** The sections of the PROTOCOL.md shipped with this package (read once). */
export function shippedProtocolSections(): Map<string, ProtocolSection> {
  cached ??= protocolSections(readFileSync(join(packageRoot(), 'PROTOCOL.md'), 'utf8'))
  return cached
}

import {SERVE_FLAGS, flagDefault, flagRange} from './serve-flags.js'

/** A generated block of a doc: `file` (repo-relative) holds it between BEGIN/END GENERATED markers. */
export interface DocBlock {
  file: string
  block: string
  content: string
}

const cell = (text: string): string => text.replaceAll('|', '\\|')
const code = (text: string): string => (text ? `\`${text}\`` : '—')

/** The README's table of `imh serve` flags, from the same declarations as the flags themselves. */
export function serveFlagTable(): string {
  const rows = SERVE_FLAGS.map((f) => `| \`--${f.name}\` | ${f.default !== undefined ? code(String(f.default)) : cell(flagDefault(f) || '—')} | ${flagRange(f) || '—'} | ${f.unit ?? '—'} | ${cell(f.description)} | ${f.section ? `§${f.section}` : '—'} |`)
  return ['| flag | default | range | unit | what | PROTOCOL.md § |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n')
}

/** Every doc block the reference server generates. */
export function serverDocBlocks(): DocBlock[] {
  return [{file: 'README.md', block: 'serve-flags', content: serveFlagTable()}]
}

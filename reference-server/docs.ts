import {type GeneratedBlock, markdownCell} from '../src/common/doc-blocks.js'
import {SERVE_FLAGS, flagDefault, flagRange} from './serve-flags.js'

const code = (text: string): string => (text ? `\`${text}\`` : '—')

/** The README's table of `imh serve` flags, from the same declarations as the flags themselves. */
export function serveFlagTable(): string {
  const rows = SERVE_FLAGS.map((f) => `| \`--${f.name}\` | ${f.default !== undefined ? code(String(f.default)) : markdownCell(flagDefault(f) || '—')} | ${flagRange(f) || '—'} | ${f.unit ?? '—'} | ${markdownCell(f.description)} | ${f.section ? `§${f.section}` : '—'} |`)
  return ['| flag | default | range | unit | what | PROTOCOL.md § |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n')
}

/** Every doc block the reference server generates. */
export function serverDocBlocks(): GeneratedBlock[] {
  return [{file: 'README.md', block: 'serve-flags', content: serveFlagTable()}]
}

/**
 * Generated blocks inside hand-written docs: the text between
 * `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` is produced from code
 * (serve flags, profile options, metrics, case counts) and a test keeps it current.
 */
/** One generated block: `content` goes between the markers of `block` in `file` (repo-relative). */
export interface GeneratedBlock {
  file: string
  block: string
  content: string
}

/** Text safe inside a Markdown table cell. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** A Markdown table: the header row, the separator, one row per entry (cells escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')
}

function markers(name: string): [string, string] {
  return [`<!-- BEGIN GENERATED: ${name} -->`, `<!-- END GENERATED: ${name} -->`]
}

/** The text of block `name` in `doc`, or undefined when the doc has no such block. */
export function readBlock(doc: string, name: string): string | undefined {
  const [begin, end] = markers(name)
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  if (i < 0 || j < i) return undefined
  return doc.slice(i + begin.length, j).replace(/^\n/, '').replace(/\n$/, '')
}

/** `doc` with block `name` replaced by `content`; throws when the doc has no such block. */
export function replaceBlock(doc: string, name: string, content: string): string {
  const [begin, end] = markers(name)
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  if (i < 0 || j < i) throw new Error(`no generated block "${name}" (add ${begin} … ${end})`)
  return `${doc.slice(0, i + begin.length)}\n${content.replace(/\n$/, '')}\n${doc.slice(j)}`
}

/** Why `block` is not current in the text `doc` of its file, or undefined when it is. */
export function blockProblem(doc: string, b: GeneratedBlock): string | undefined {
  const current = readBlock(doc, b.block)
  if (current === undefined) return `${b.file} has no generated block "${b.block}": add its BEGIN/END GENERATED markers, then run npm run docs`
  if (current !== b.content.replace(/\n$/, '')) return `${b.file} block "${b.block}" is out of date: run npm run docs`
  return undefined
}

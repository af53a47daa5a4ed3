/**
 * Generated blocks inside hand-written docs: the text between
 * `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` is produced from code
 * (serve flags, profile options, metrics, case counts) and a test keeps it current.
 */
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

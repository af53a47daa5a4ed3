import type {OptionSpec} from '../scenarios/scenario-module.js'

/** Text safe inside a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** A Markdown table: a header row, the separator, one row per entry. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')
}

/** A value as a profile writes it, in backticks. */
export function code(text: string): string {
  return `\`${text}\``
}

/** An option's default for docs: the value as a profile writes it, or what the absence means. */
export function optionDefault(o: OptionSpec): string {
  if (o.default === undefined) return o.defaultDoc ?? 'none'
  const shown = o.check.format ? o.check.format(o.default) : Array.isArray(o.default) ? JSON.stringify(o.default) : String(o.default)
  return o.defaultDoc ? `${code(shown)} (${o.defaultDoc})` : code(shown)
}

/** The rows `| field | accepts | default | meaning |` of some options. */
export function optionRows(options: Readonly<Record<string, OptionSpec>>): string[][] {
  return Object.values(options).map((o) => [code(o.field), o.check.what, optionDefault(o), o.doc])
}

export const OPTION_HEADER = ['field', 'accepts', 'default', 'meaning']

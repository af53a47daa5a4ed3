import type {OptionSpec} from '../scenarios/scenario-module.js'

export {markdownCell as cell, markdownTable as table} from '../../common/doc-blocks.js'

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

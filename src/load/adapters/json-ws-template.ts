import {check, invalid, join, show, type Check} from '../profile/fields.js'

/** The values a template's placeholders take, by name (`{to}` → `vars.to`). */
export type TemplateVars = Readonly<Record<string, string | number>>

/**
 * A JSON frame template compiled once: `render` writes the frame's JSON text with the
 * placeholders filled in. Substitution is structural: a string leaf that is exactly `{name}`
 * becomes the value itself (JSON-encoded, a number stays a number), a leaf with text around its
 * placeholders becomes one JSON string; every value goes through `JSON.stringify`, so a body
 * needs no escaping and can never break the frame. The frame's literal parts are serialised at
 * compile time; a render is a few string joins, no object is built and re-serialised.
 */
export interface JsonTemplate {
  render(vars: TemplateVars): string
  /** The placeholders it uses (docs, tests, a check that `{id}` is there when acks need it). */
  readonly uses: ReadonlySet<string>
}

/** A string template (`{username}-{index}`) compiled once. */
export interface TextTemplate {
  render(vars: TemplateVars): string
  readonly uses: ReadonlySet<string>
  /** As the profile wrote it. */
  readonly source: string
}

type Part = string | ((vars: TemplateVars) => string)

// A placeholder is `{name}` with a plain identifier; other braces are literal text, so a body of
// `{"a":1}` or a regex-like `{1,3}` in a template stays as written.
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** Splits `text` into literal and placeholder parts, refusing placeholders not in `allowed`. */
function splitText(text: string, allowed: readonly string[], fail: (msg: string) => never, uses: Set<string>): Array<string | {name: string}> {
  const parts: Array<string | {name: string}> = []
  let at = 0
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!
    if (!allowed.includes(name)) fail(`unknown placeholder {${name}} in ${JSON.stringify(text)}; allowed: ${allowed.map((a) => `{${a}}`).join(', ')}`)
    uses.add(name)
    if (m.index > at) parts.push(text.slice(at, m.index))
    parts.push({name})
    at = m.index + m[0].length
  }
  if (at < text.length) parts.push(text.slice(at))
  return parts
}

function textRenderer(parts: Array<string | {name: string}>): (vars: TemplateVars) => string {
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const name = parts[0]!.name
    return (vars) => String(vars[name])
  }
  return (vars) => {
    let out = ''
    for (const p of parts) out += typeof p === 'string' ? p : String(vars[p.name])
    return out
  }
}

/**
 * Compiles `value` (a map or list as a profile writes it) into a {@link JsonTemplate} whose
 * string leaves may use `allowed` placeholders. Throws `fail`'s error for anything else (an
 * unknown placeholder, a value JSON cannot carry).
 */
export function compileJsonTemplate(value: unknown, allowed: readonly string[], fail: (path: string, msg: string) => never): JsonTemplate {
  const uses = new Set<string>()
  const parts: Part[] = []
  const lit = (s: string): void => {
    const last = parts.length - 1
    if (last >= 0 && typeof parts[last] === 'string') parts[last] += s
    else parts.push(s)
  }
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      const split = splitText(v, allowed, (msg) => fail(path, msg), uses)
      if (split.length === 0 || split.every((p) => typeof p === 'string')) return lit(JSON.stringify(v))
      if (split.length === 1) {
        const name = (split[0] as {name: string}).name
        return void parts.push((vars) => JSON.stringify(vars[name]))
      }
      const text = textRenderer(split)
      return void parts.push((vars) => JSON.stringify(text(vars)))
    }
    if (v === null || typeof v === 'boolean') return lit(JSON.stringify(v))
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(path, `${v} cannot be written in JSON`)
      return lit(JSON.stringify(v))
    }
    if (Array.isArray(v)) {
      lit('[')
      v.forEach((item, i) => {
        if (i > 0) lit(',')
        walk(item, join(path, i))
      })
      return lit(']')
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      lit('{')
      Object.entries(v as Record<string, unknown>).forEach(([key, item], i) => {
        // Keys stay literal: a frame's shape is fixed by the profile, only its values vary.
        lit(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`)
        walk(item, join(path, key))
      })
      return lit('}')
    }
    fail(path, `expected a string, number, true, false, null, map or list, got ${show(v)}`)
  }
  walk(value, '')
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const fixed = parts[0]
    return {render: () => fixed, uses}
  }
  return {
    render(vars) {
      let out = ''
      for (const p of parts) out += typeof p === 'string' ? p : p(vars)
      return out
    },
    uses,
  }
}

/** A profile check compiling a JSON frame template (a map or list) with `allowed` placeholders. */
export function jsonTemplateField(allowed: readonly string[]): Check<JsonTemplate> {
  const what = `a JSON frame as a map or list; string values may use ${allowed.map((a) => `{${a}}`).join(', ')}`
  const fn = (value: unknown, field: string, file: string): JsonTemplate => {
    if (typeof value !== 'object' || value === null) throw invalid(file, field, `expected ${what}, got ${show(value)}`)
    return compileJsonTemplate(value, allowed, (path, msg) => {
      throw invalid(file, path ? `${field}.${path}`.replace(/\.\[/g, '[') : field, msg)
    })
  }
  return Object.assign(fn, {what, format: () => '(frame)'})
}

/** A profile check compiling a text template (`{username}`) with `allowed` placeholders. */
export function textTemplateField(allowed: readonly string[]): Check<TextTemplate> {
  const what = `a non-empty string; may use ${allowed.map((a) => `{${a}}`).join(', ')}`
  const base = check(what, (v) => typeof v === 'string' && v !== '' ? v : undefined)
  const fn = (value: unknown, field: string, file: string): TextTemplate => {
    const text = base(value, field, file)
    const uses = new Set<string>()
    const parts = splitText(text, allowed, (msg) => {
      throw invalid(file, field, msg)
    }, uses)
    return {render: textRenderer(parts), uses, source: text}
  }
  return Object.assign(fn, {what, format: (t: TextTemplate) => t.source})
}

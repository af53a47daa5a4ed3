import {type ErrorCode, ImhError} from './errors.js'

/**
 * A tiny structural checker for wire bodies. Server and client check the same shapes, the
 * server to refuse bad requests (IMH_ERR_BAD_BODY), the client to catch servers that answer
 * off-spec (IMH_ERR_PROTOCOL_VIOLATION); this keeps both on one description. The bodies are a
 * handful of flat fields, so a schema library would be more weight than help here.
 */
export type FieldType = 'string' | 'int' | 'uint' | 'number' | 'boolean' | 'object' | 'array'
export type Shape = Record<string, FieldType | `${FieldType}?`>

function typeOk(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string': return typeof value === 'string'
    case 'int': return Number.isSafeInteger(value)
    case 'uint': return Number.isSafeInteger(value) && (value as number) >= 0
    case 'number': return typeof value === 'number' && Number.isFinite(value)
    case 'boolean': return typeof value === 'boolean'
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array': return Array.isArray(value)
  }
}

type CompiledField = readonly [field: string, type: FieldType, optional: boolean]

/**
 * Shapes are module constants checked on every frame of a run: each is split into its fields
 * once, not on every check (Object.entries and the `?` parsing showed in the SYNC path's profile).
 */
const compiled = new WeakMap<Shape, readonly CompiledField[]>()

function fieldsOf(shape: Shape): readonly CompiledField[] {
  let fields = compiled.get(shape)
  if (!fields) {
    fields = Object.entries(shape).map(([field, spec]): CompiledField => {
      const optional = spec.endsWith('?')
      return [field, (optional ? spec.slice(0, -1) : spec) as FieldType, optional]
    })
    compiled.set(shape, fields)
  }
  return fields
}

/** Checks `value` against `shape`; returns it typed, or throws `code` naming the field. */
export function checkShape<T>(value: unknown, shape: Shape, code: ErrorCode, what: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImhError(code, `${what}: body must be a JSON object`)
  }
  const obj = value as Record<string, unknown>
  const fields = fieldsOf(shape)
  for (let i = 0; i < fields.length; i++) {
    const [field, type, optional] = fields[i]!
    const v = obj[field]
    if (v === undefined) {
      if (optional) continue
      throw new ImhError(code, `${what}: field "${field}" is required (${type})`, {field})
    }
    if (!typeOk(v, type)) throw new ImhError(code, `${what}: field "${field}" must be ${type === 'uint' ? 'a non-negative integer' : `of type ${type}`}`, {field})
  }
  return obj as T
}

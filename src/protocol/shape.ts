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

const QUESTION_MARK = 0x3f

/** Checks `value` against `shape`; returns it typed, or throws `code` naming the field. */
export function checkShape<T>(value: unknown, shape: Shape, code: ErrorCode, what: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImhError(code, `${what}: body must be a JSON object`)
  }
  const obj = value as Record<string, unknown>
  // for…in and a last-character test: no entries array and no sliced type string per field, as
  // every frame of a run is checked (Object.entries and the `?` parsing showed in the SYNC
  // path's profile). Shapes are plain literals, so for…in sees exactly their fields.
  for (const field in shape) {
    const spec = shape[field]!
    const optional = spec.charCodeAt(spec.length - 1) === QUESTION_MARK
    const v = obj[field]
    if (v === undefined) {
      if (optional) continue
      throw new ImhError(code, `${what}: field "${field}" is required (${spec})`, {field})
    }
    const type = (optional ? spec.slice(0, -1) : spec) as FieldType
    if (!typeOk(v, type)) throw new ImhError(code, `${what}: field "${field}" must be ${type === 'uint' ? 'a non-negative integer' : `of type ${type}`}`, {field})
  }
  return obj as T
}

import {check} from '../expect.js'

/**
 * Whether `errMsg` names `field` as PROTOCOL.md §3.2 defines it: the field's name as the document writes
 * it, in any letter case, standing as a word of its own (not inside a longer identifier, so
 * "to" is not found in "token"). The one test every case that checks a named field uses.
 */
export function namesField(errMsg: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'i').test(errMsg)
}

/** Fails the case unless `errMsg` names `field` (see namesField). */
export function checkNamesField(errMsg: string, field: string, what: string): void {
  check(namesField(errMsg, field), `${what}: errMsg must name the field "${field}" (PROTOCOL.md §3.2: its name as written, any letter case), got ${JSON.stringify(errMsg)}`)
}

import {type ErrorCode, ImhError} from './errors.js'
import type {SyncCategorySpec, SyncItemOf} from './flow-contract.js'
import {checkShape, type Shape} from './shape.js'

/**
 * SYNC, notify-then-pull (PROTOCOL.md §6), over any inbox category. The categories are declared by
 * the flows (chat by core, others by their own flow) and handed in, so this module names none of
 * them but the default.
 */

export interface SyncKey {
  /** Changes when the server lost or rebuilt the inbox; a mismatch forces a full resync. */
  epoch: number
  /** Highest inbox sequence the client holds; 0 for none. */
  seq: number
}

/** The category a SYNC or SYNC_NOTIFY that names none is about (§6.1). */
export const DEFAULT_SYNC_CATEGORY = 'chat'

export const DEFAULT_SYNC_PAGE = 100
export const MAX_SYNC_PAGE = 1000

/** A SYNC request; `category` absent means the default one. */
export interface SyncRequestOf<C extends string> { syncKey: SyncKey; limit?: number; category?: C }

/** A SYNC reply page of a category: its entries under the category's own field (§6.4, §15.6). */
export type SyncPageOf<F extends string, T> = {syncKey: SyncKey; continue: boolean; resync?: boolean} & {[K in F]: T[]}

/** The page of a declared category. */
export type SyncPageFor<C> = C extends SyncCategorySpec<string, infer F> ? SyncPageOf<F, SyncItemOf<C>> : never

const SYNC_KEY: Shape = {epoch: 'uint', seq: 'uint'}
const SYNC_REQUEST: Shape = {syncKey: 'object', limit: 'uint?', category: 'string?'}
const SYNC_NOTIFY: Shape = {category: 'string?'}
/** A reply page's shape by its items field, made once per category rather than on every reply checked. */
const pageShapes = new Map<string, Shape>()
const pageShape = (field: string): Shape => {
  let shape = pageShapes.get(field)
  if (!shape) pageShapes.set(field, (shape = {syncKey: 'object', [field]: 'array', continue: 'boolean', resync: 'boolean?'}))
  return shape
}

// Requests are checked by the server (IMH_ERR_BAD_BODY), replies by the client.
const BAD = 'IMH_ERR_BAD_BODY'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

/** The declared category named `v`; absent is the default. `code` says who is checking. */
export function syncCategoryNamed<C extends SyncCategorySpec>(v: unknown, categories: readonly C[], code: ErrorCode, what: string): C {
  const name = v === undefined ? DEFAULT_SYNC_CATEGORY : v
  // The default first: it is nearly every SYNC's category, and find() would allocate a closure per call.
  const first = categories[0]
  const found = first?.name === name ? first : categories.find((c) => c.name === name)
  if (!found) throw new ImhError(code, `${what}: field "category" must be one of ${categories.map((c) => c.name).join(', ')}`, {field: 'category'})
  return found
}

export function checkSyncRequest<C extends SyncCategorySpec>(v: unknown, categories: readonly C[]): SyncRequestOf<C['name']> {
  const s = checkShape<SyncRequestOf<C['name']>>(v, SYNC_REQUEST, BAD, 'SYNC')
  syncCategoryNamed(s.category, categories, BAD, 'SYNC')
  checkShape(s.syncKey, SYNC_KEY, BAD, 'SYNC syncKey')
  return s
}

/** A SYNC reply as the page of `category`: its key, its flags and every entry checked. */
export function checkSyncPage<C extends SyncCategorySpec>(v: unknown, category: C): SyncPageFor<C> {
  const field = category.itemsField
  const r = checkShape<Record<string, unknown>>(v, pageShape(field), OFF, 'SYNC reply')
  checkShape(r.syncKey, SYNC_KEY, OFF, 'SYNC reply syncKey')
  for (const item of r[field] as unknown[]) category.item(item)
  return r as SyncPageFor<C>
}

/** The entries of a page, whatever the category calls their field. */
export function pageItems<C extends SyncCategorySpec>(page: SyncPageFor<C>, category: C): SyncItemOf<C>[] {
  return (page as unknown as Record<string, SyncItemOf<C>[]>)[category.itemsField]!
}

/**
 * A SYNC reply when the category asked for is not at hand (LongLink.call): the page of the first
 * declared category whose field it carries, else checked as the default category's.
 */
export function checkSyncReply<C extends SyncCategorySpec>(v: unknown, categories: readonly C[]): SyncPageFor<C> {
  const carried = typeof v === 'object' && v !== null ? categories.find((c) => c.itemsField in v) : undefined
  return checkSyncPage(v, carried ?? syncCategoryNamed(undefined, categories, OFF, 'SYNC reply'))
}

/** A SYNC_NOTIFY body: empty (read as {}) for the default category, else `{category}` (§6.3). */
export function checkSyncNotify<C extends SyncCategorySpec>(v: unknown, categories: readonly C[]): {category: C['name']} {
  const body = checkShape<{category?: unknown}>(v, SYNC_NOTIFY, OFF, 'SYNC_NOTIFY')
  return {category: syncCategoryNamed(body.category, categories, OFF, 'SYNC_NOTIFY').name}
}

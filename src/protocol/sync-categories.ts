import {ImhError} from './errors.js'
import type {DeclaredFlows, SyncCategorySpec} from './flow-contract.js'
import {PROTOCOL_FLOWS, type ProtocolFlows} from './flows.js'
import {type SyncPageFor, type SyncRequestOf, checkSyncNotify, checkSyncPage, checkSyncRequest, syncCategoryNamed} from './sync.js'

/** The SYNC categories every flow declares (PROTOCOL.md §6.1), and SYNC's parsers bound to them. */

export type SyncCategorySpecs = ProtocolFlows['syncCategories'][number]
export type SyncCategory = SyncCategorySpecs['name']
/** The spec of the category named `N`. */
export type SyncCategorySpecOf<N extends SyncCategory> = Extract<SyncCategorySpecs, {name: N}>

/** Every declared category, the flows' order. */
export const SYNC_CATEGORY_SPECS = PROTOCOL_FLOWS.flatMap((f): readonly SyncCategorySpec[] => f.syncCategories) as readonly SyncCategorySpecs[]

/** The category names a SYNC or SYNC_NOTIFY may carry. */
export const SYNC_CATEGORIES: readonly SyncCategory[] = SYNC_CATEGORY_SPECS.map((c) => c.name)

/** What the parsers of every flow are handed (see DeclaredFlows). */
export const DECLARED_FLOWS: DeclaredFlows = {syncCategories: SYNC_CATEGORY_SPECS}

/** The spec of a declared category; undefined for a name no flow declares. */
export function syncCategory<N extends SyncCategory>(name: N): SyncCategorySpecOf<N>
export function syncCategory(name: string): SyncCategorySpecs | undefined
export function syncCategory(name: string): SyncCategorySpecs | undefined {
  return SYNC_CATEGORY_SPECS.find((c) => c.name === name)
}

/** `category` picks the inbox (§6.1); absent means the default, chat. */
export type SyncRequest = SyncRequestOf<SyncCategory>

/** The server's check of a SYNC body (IMH_ERR_BAD_BODY). */
export function parseSync(v: unknown): SyncRequest {
  return checkSyncRequest(v, SYNC_CATEGORY_SPECS)
}

/** The category a body's `category` names, the default when absent; `code` says who is checking. */
export function parseSyncCategory(v: unknown, code: 'IMH_ERR_BAD_BODY' | 'IMH_ERR_PROTOCOL_VIOLATION', what: string): SyncCategory {
  return syncCategoryNamed(v, SYNC_CATEGORY_SPECS, code, what).name
}

/** A SYNC reply checked as the page of the category asked for. */
export function parseSyncPage<N extends SyncCategory>(category: N, v: unknown): SyncPageFor<SyncCategorySpecOf<N>> {
  const spec = syncCategory(category as string)
  if (!spec) throw new ImhError('IMH_ERR_INVALID_OPTION', `no flow declares the SYNC category "${category}"`)
  return checkSyncPage(v, spec) as SyncPageFor<SyncCategorySpecOf<N>>
}

/** The category a SYNC_NOTIFY body names (IMH_ERR_PROTOCOL_VIOLATION for an unknown one). */
export function parseSyncNotify(v: unknown): {category: SyncCategory} {
  return checkSyncNotify(v, SYNC_CATEGORY_SPECS)
}

import {ImhError} from '../src/protocol/errors.js'
import {checkShape} from '../src/protocol/shape.js'
import type {SyncCategoryInbox} from './shop.js'

/**
 * SYNC of one category inbox (PROTOCOL.md §6.4–§6.6): the key's epoch and seq, resync, paging and
 * acknowledgement, for any category whose inbox is a SyncCategoryInbox. The reply carries the
 * entries under the category's own field (`payments` for §17.6). `body` is the SYNC body already
 * known to name this category.
 */
export async function syncCategory(inbox: SyncCategoryInbox, userId: string, body: unknown, limits: {syncPageDefault: number; syncPageMax: number}): Promise<Record<string, unknown>> {
  const req = checkShape<{syncKey: {epoch: number; seq: number}; limit?: number}>(body, {syncKey: 'object', limit: 'uint?'}, 'IMH_ERR_BAD_BODY', 'SYNC')
  checkShape(req.syncKey, {epoch: 'uint', seq: 'uint'}, 'IMH_ERR_BAD_BODY', 'SYNC syncKey')
  if (req.limit === 0) throw new ImhError('IMH_ERR_BAD_BODY', 'SYNC: field "limit" must be at least 1', {field: 'limit'})
  const limit = Math.min(req.limit ?? limits.syncPageDefault, limits.syncPageMax)
  const epoch = await inbox.epoch(userId)
  let resync = req.syncKey.epoch !== 0 && req.syncKey.epoch !== epoch
  let after = req.syncKey.epoch === epoch ? req.syncKey.seq : 0
  let page = await inbox.read(userId, after, limit)
  if (after > page.lastSeq) {
    // The client holds more than this inbox ever assigned: its key is from a lost state.
    resync = true
    after = 0
    page = await inbox.read(userId, 0, limit)
  }
  // Acknowledged only once the key is known to be genuine (§6.5).
  if (after > 0) await inbox.ack(userId, after)
  const last = page.entries.at(-1)
  const reply: Record<string, unknown> = {syncKey: {epoch: page.epoch, seq: last ? last.seq : page.lastSeq}, [inbox.entriesField]: page.entries, continue: page.more}
  if (resync) reply.resync = true
  return reply
}

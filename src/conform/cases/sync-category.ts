import {CMD, type SyncCategory, type SyncCategorySpecOf, type SyncPageFor, parseJsonBody, parseSyncNotify, parseSyncPage, syncCategory} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {CaseFailure} from '../failures.js'
import {type FrameLog, NO_KEY, describeFrame, quietWait} from './util.js'

/** Whether a body is the SYNC_NOTIFY body of `category` (§6.3), read by the protocol's own parser. */
function notifies(body: Buffer, category: SyncCategory): boolean {
  try {
    return parseSyncNotify(parseJsonBody(body)).category === category
  } catch {
    return false
  }
}

/** SYNC of a category's inbox from the start (§6.4), its reply checked as that category's page. */
export async function syncFromStart<N extends SyncCategory>(log: FrameLog, category: N, what: string): Promise<SyncPageFor<SyncCategorySpecOf<N>>> {
  const frame = await log.link.request(CMD.SYNC, {syncKey: NO_KEY, category})
  try {
    return parseSyncPage(category, parseJsonBody(frame.body))
  } catch (err) {
    const field = syncCategory(category).itemsField
    throw new CaseFailure(`${what}: SYNC {category: "${category}"} answered ${describeFrame(frame)}, not {syncKey, ${field}, continue}: ${(err as Error).message}`)
  }
}

/**
 * Waits for SYNC_NOTIFY {category} on the link of `who` after frame `mark`, then pulls that inbox
 * from the start: how a flow's notices reach an online user (§6.3, §6.4).
 */
export async function pullAfterNotify<N extends SyncCategory>(ctx: CaseContext, log: FrameLog, mark: number, category: N, who: string, what: string): Promise<SyncPageFor<SyncCategorySpecOf<N>>> {
  const wait = quietWait(ctx, 3000)
  const notify = await log.find((f) => f.cmd === CMD.SYNC_NOTIFY && notifies(f.body, category), wait, mark)
  if (!notify) throw new CaseFailure(`${what}: the online ${who} got no SYNC_NOTIFY with body {"category": "${category}"} within ${wait} ms (received: ${log.summary(mark)})`)
  return syncFromStart(log, category, what)
}

import {randomUUID} from 'node:crypto'
import {BottleClient} from '../../client/bottle-client.js'
import type {VirtualClient} from '../../client/virtual-client.js'
import {type Bottle, type BottleThrowReply, type ChatMessage, type ErrorCode} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {checkRejects} from '../expect.js'
import {CaseFailure, NotApplicable} from '../failures.js'
import {checkNamesField} from './field-name.js'
import {must} from './util.js'

export {must}

/** Helpers of the drift-bottle cases (PROTOCOL.md §14). */

/** Picks a case makes at most while looking for one bottle: a shared target's pool holds others' too. */
export const FIND_BOUND = 200
/** Picks that must empty the pool for a fresh user before `bottle.pick-empty` can judge. */
export const DRAIN_BOUND = 50
/** Bottles a case throws, one after the other, before it blames the server for never handing one out. */
export const ATTEMPTS = 5
/** Bottles thrown per attempt. */
export const BATCH = 3

/** One user of a case: a started virtual client, its bottle role, and the messages SYNC gave it. */
export interface Party {
  client: VirtualClient
  bottle: BottleClient
  id: string
  messages: ChatMessage[]
}

export async function party(ctx: CaseContext): Promise<Party> {
  const client = await ctx.client()
  const messages: ChatMessage[] = []
  client.on('message', (m) => messages.push(m))
  client.on('error', () => {})
  return {client, bottle: BottleClient.of(client), id: client.userId!, messages}
}

/** Content no other run can have thrown. */
export function unique(ctx: CaseContext, tag: string): string {
  return `${ctx.uniqueName('bottle')} ${tag} ${randomUUID()}`
}

export async function throwOne(ctx: CaseContext, who: Party, content: string): Promise<BottleThrowReply> {
  return must(who.bottle.throw(content, ctx.ms(5000)), 'BOTTLE_THROW')
}

/** Picks as `who` until one of `bottleIds` comes; undefined when the pool says empty first. */
export async function pickUntil(ctx: CaseContext, who: Party, bottleIds: ReadonlySet<string>, whoName: string): Promise<Bottle | undefined> {
  for (let i = 0; i < FIND_BOUND; i++) {
    const b = await must(who.bottle.pick(ctx.ms(5000)), `BOTTLE_PICK by the ${whoName}`)
    if (b === null) return undefined
    if (bottleIds.has(b.bottleId)) return b
  }
  throw new NotApplicable(`none of the bottles just thrown came within ${FIND_BOUND} picks: the target's pool holds too many other bottles to find them`)
}

/**
 * `thrower` throws BATCH bottles of unique content and `picker` picks until one of them comes.
 * Cases run side by side and their picks may take ours first, so when none comes the thrower
 * throws again, up to ATTEMPTS times, before the case fails. The rest are swept up afterwards.
 */
export async function throwAndFind(ctx: CaseContext, thrower: Party, picker: Party, tag: string): Promise<{thrown: BottleThrowReply; content: string; bottle: Bottle}> {
  for (let attempt = 1; ; attempt++) {
    const contents = Array.from({length: BATCH}, (_, i) => unique(ctx, `${tag}-${i}`))
    const thrown = await Promise.all(contents.map((c) => throwOne(ctx, thrower, c)))
    const ids = new Set(thrown.map((t) => t.bottleId))
    drainAfter(ctx, new Set(ids))
    const bottle = await pickUntil(ctx, picker, ids, 'other user')
    if (bottle) {
      const i = thrown.findIndex((t) => t.bottleId === bottle.bottleId)
      return {thrown: thrown[i]!, content: contents[i]!, bottle}
    }
    if (attempt === ATTEMPTS) {
      throw new CaseFailure(`BOTTLE_PICK by another user answered no bottle while bottles just thrown had not come (${ATTEMPTS} times ${BATCH} bottles thrown, none picked)`)
    }
  }
}

/** Empties what is left of `bottleIds` from the pool, so a case leaves nothing behind on a quiet target. */
export function drainAfter(ctx: CaseContext, bottleIds: Set<string>): void {
  ctx.onCleanup(async () => {
    if (bottleIds.size === 0) return
    const sweeper = BottleClient.of(await ctx.client())
    for (let i = 0; i < DRAIN_BOUND && bottleIds.size > 0; i++) {
      const b = await sweeper.pick(ctx.ms(2000))
      if (b === null) return
      bottleIds.delete(b.bottleId)
    }
  })
}

/** The field the errMsg of an IMH_ERR_BAD_BODY must name. */
export async function expectBadBody(ctx: CaseContext, who: Party, cmd: number, body: unknown, field: string, what: string): Promise<void> {
  const err = await checkRejects(who.client.link!.call(cmd, body, ctx.ms(5000)), 'IMH_ERR_BAD_BODY', what)
  checkNamesField(err.message, field, `${what} (IMH_ERR_BAD_BODY)`)
}

export async function expectUnknown(ctx: CaseContext, who: Party, bottleId: string, what: string): Promise<void> {
  const code: ErrorCode = 'IMH_ERR_BOTTLE_UNKNOWN'
  await checkRejects(who.bottle.reply(bottleId, 'unwanted reply', `c-${randomUUID()}`, ctx.ms(5000)), code, what)
}

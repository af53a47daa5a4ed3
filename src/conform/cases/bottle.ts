import {randomUUID} from 'node:crypto'
import {CMD, MAX_BOTTLE_CONTENT_BYTES} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {firstCommandProbe} from './probes.js'
import {waitFor} from '../context.js'
import {check, checkAlive, checkEqual, checkRejects} from '../expect.js'
import {CaseFailure, NotApplicable} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {DRAIN_BOUND, drainAfter, expectBadBody, expectUnknown, must, party, throwAndFind, throwOne, unique} from './bottle-util.js'

const cases: readonly CaseDefinition[] = [
  {
    id: 'bottle.throw-pick',
    section: '14.2',
    level: 'MUST',
    requirement: 'a thrown bottle reaches another user\'s picks with its bottleId, content and throwTime, and without the thrower\'s id',
    async run(ctx) {
      const thrower = await party(ctx)
      const picker = await party(ctx)
      const {thrown, content, bottle: got} = await throwAndFind(ctx, thrower, picker, 'throw-pick')
      checkEqual({bottleId: got.bottleId, content: got.content, throwTime: got.throwTime}, {bottleId: thrown.bottleId, content, throwTime: thrown.throwTime}, 'the picked bottle')
      const leaked = Object.entries(got).filter(([, v]) => v === thrower.id).map(([k]) => k)
      check(leaked.length === 0, `the picked bottle reveals the thrower's id in ${leaked.join(', ')}; a pick must not name the thrower`)
    },
  },
  {
    id: 'bottle.pick-once',
    section: '14.2',
    level: 'MUST',
    requirement: 'a bottle is handed out at most once, also to many pickers picking at the same time',
    async run(ctx) {
      const thrower = await party(ctx)
      // Pickers first: the bottles should be in the pool as briefly as possible before the picks.
      const pickers = await Promise.all(Array.from({length: 10}, () => party(ctx)))
      const thrown = await Promise.all(Array.from({length: 20}, (_, i) => throwOne(ctx, thrower, unique(ctx, `once-${i}`))))
      const ours = new Set(thrown.map((t) => t.bottleId))
      drainAfter(ctx, new Set(ours))
      const got = await Promise.all(Array.from({length: 50}, (_, i) => must(pickers[i % 10]!.bottle.pick(ctx.ms(10_000)), 'BOTTLE_PICK')))
      const seen = new Map<string, number>()
      for (const b of got) if (b) seen.set(b.bottleId, (seen.get(b.bottleId) ?? 0) + 1)
      const twice = [...seen].filter(([, n]) => n > 1)
      check(twice.length === 0, `${twice.length} bottle(s) were handed out more than once in 50 parallel picks: ${twice.slice(0, 3).map(([id, n]) => `${id} ×${n}`).join(', ')}`)
      // Other cases pick side by side, so some of ours may go to them: a vacuous run is all the check excludes.
      if (![...ours].some((id) => seen.has(id))) throw new NotApplicable('none of the 20 bottles thrown reached the 50 parallel picks (other pickers took them first): nothing to judge')
    },
  },
  {
    id: 'bottle.not-own',
    section: '14.2',
    level: 'MUST',
    requirement: 'BOTTLE_PICK never hands the picker a bottle it threw itself',
    async run(ctx) {
      const user = await party(ctx)
      const own = new Set<string>()
      for (let i = 0; i < 5; i++) own.add((await throwOne(ctx, user, unique(ctx, `own-${i}`))).bottleId)
      drainAfter(ctx, own)
      for (let i = 0; i < DRAIN_BOUND; i++) {
        const b = await must(user.bottle.pick(ctx.ms(5000)), 'BOTTLE_PICK by the thrower')
        if (b === null) return
        check(!own.has(b.bottleId), `BOTTLE_PICK handed the user its own bottle ${b.bottleId} (${JSON.stringify(b.content)})`)
      }
    },
  },
  {
    id: 'bottle.reply-delivered',
    section: '14.3',
    level: 'MUST',
    requirement: 'BOTTLE_REPLY by the picker stores a message of type "bottle" from the picker in the thrower\'s inbox, notifies it, answers `to` = the thrower, and dedups a repeated clientMsgId',
    async run(ctx) {
      const thrower = await party(ctx)
      const picker = await party(ctx)
      const {thrown} = await throwAndFind(ctx, thrower, picker, 'reply')
      const clientMsgId = `c-${randomUUID()}`
      const content = unique(ctx, 'answer')
      const reply = await must(picker.bottle.reply(thrown.bottleId, content, clientMsgId, ctx.ms(5000)), 'BOTTLE_REPLY by the picker')
      checkEqual(reply.to, thrower.id, 'BOTTLE_REPLY reply: to (the thrower)')
      await waitFor(() => thrower.messages.some((m) => m.clientMsgId === clientMsgId), ctx.ms(5000), 'the thrower did not get the reply through notify and SYNC')
      const got = thrower.messages.find((m) => m.clientMsgId === clientMsgId)!
      checkEqual(
        {from: got.from, to: got.to, type: got.type, content: got.content, seq: got.seq, serverMsgId: got.serverMsgId},
        {from: picker.id, to: thrower.id, type: 'bottle', content, seq: reply.seq, serverMsgId: reply.serverMsgId},
        'the reply in the thrower\'s inbox',
      )
      const again = await must(picker.bottle.reply(thrown.bottleId, 'a retry', clientMsgId, ctx.ms(5000)), 'a repeated BOTTLE_REPLY')
      checkEqual({serverMsgId: again.serverMsgId, seq: again.seq, sendTime: again.sendTime}, {serverMsgId: reply.serverMsgId, seq: reply.seq, sendTime: reply.sendTime}, 'a repeated BOTTLE_REPLY (same clientMsgId) must get the first reply')
    },
  },
  {
    id: 'bottle.reply-not-picker',
    section: '14.3',
    level: 'MUST',
    requirement: 'only the picker may reply: a reply before the pick, by another user or by the thrower is refused with IMH_ERR_BOTTLE_UNKNOWN',
    async run(ctx) {
      const thrower = await party(ctx)
      const picker = await party(ctx)
      const stranger = await party(ctx)
      const early = await throwOne(ctx, thrower, unique(ctx, 'not-picked'))
      drainAfter(ctx, new Set([early.bottleId]))
      await expectUnknown(ctx, stranger, early.bottleId, 'BOTTLE_REPLY to a bottle nobody picked yet')
      const {thrown} = await throwAndFind(ctx, thrower, picker, 'not-picker')
      await expectUnknown(ctx, stranger, thrown.bottleId, 'BOTTLE_REPLY by a user who did not pick the bottle')
      await expectUnknown(ctx, thrower, thrown.bottleId, 'BOTTLE_REPLY by the thrower to its own picked bottle')
      await must(picker.bottle.reply(thrown.bottleId, 'the picker may', `c-${randomUUID()}`, ctx.ms(5000)), 'BOTTLE_REPLY by the picker')
      const strays = thrower.messages.filter((m) => m.from !== picker.id)
      check(strays.length === 0, `the thrower's inbox got ${strays.length} message(s) from refused replies`)
    },
  },
  {
    id: 'bottle.reply-unknown',
    section: '14.3',
    level: 'MUST',
    requirement: 'BOTTLE_REPLY to a bottleId the server never issued is refused with IMH_ERR_BOTTLE_UNKNOWN',
    async run(ctx) {
      const user = await party(ctx)
      await expectUnknown(ctx, user, `imh-no-such-bottle-${randomUUID()}`, 'BOTTLE_REPLY to an unknown bottleId')
    },
  },
  {
    id: 'bottle.bad-body',
    section: '14.4',
    level: 'MUST',
    requirement: 'bad BOTTLE_THROW / BOTTLE_PICK / BOTTLE_REPLY bodies, and SEND_MSG with type "bottle", get IMH_ERR_BAD_BODY naming the field; the link stays usable',
    async run(ctx) {
      const user = await party(ctx)
      const peer = await party(ctx)
      const tooLong = 'é'.repeat(MAX_BOTTLE_CONTENT_BYTES / 2 + 1)
      await expectBadBody(ctx, user, CMD.BOTTLE_THROW, {content: ''}, 'content', 'BOTTLE_THROW with empty content')
      await expectBadBody(ctx, user, CMD.BOTTLE_THROW, {content: tooLong}, 'content', `BOTTLE_THROW with ${Buffer.byteLength(tooLong)} bytes of content`)
      await expectBadBody(ctx, user, CMD.BOTTLE_THROW, {content: 42}, 'content', 'BOTTLE_THROW with a number as content')
      await expectBadBody(ctx, user, CMD.BOTTLE_THROW, {}, 'content', 'BOTTLE_THROW without content')
      await checkRejects(user.client.link!.call(CMD.BOTTLE_PICK, [1], ctx.ms(5000)), 'IMH_ERR_BAD_BODY', 'BOTTLE_PICK with an array body')
      const ok = {bottleId: `imh-${randomUUID()}`, clientMsgId: `c-${randomUUID()}`, content: 'x'}
      await expectBadBody(ctx, user, CMD.BOTTLE_REPLY, {...ok, bottleId: 7}, 'bottleId', 'BOTTLE_REPLY with a number as bottleId')
      await expectBadBody(ctx, user, CMD.BOTTLE_REPLY, {...ok, bottleId: ''}, 'bottleId', 'BOTTLE_REPLY with an empty bottleId')
      await expectBadBody(ctx, user, CMD.BOTTLE_REPLY, {...ok, clientMsgId: ''}, 'clientMsgId', 'BOTTLE_REPLY with an empty clientMsgId')
      await expectBadBody(ctx, user, CMD.BOTTLE_REPLY, {...ok, content: ''}, 'content', 'BOTTLE_REPLY with empty content')
      await expectBadBody(ctx, user, CMD.BOTTLE_REPLY, {...ok, content: tooLong}, 'content', 'BOTTLE_REPLY with content over 1024 bytes')
      await expectBadBody(ctx, user, CMD.SEND_MSG, {clientMsgId: `c-${randomUUID()}`, to: peer.id, type: 'bottle', content: 'forged'}, 'type', 'SEND_MSG with type "bottle" (only BOTTLE_REPLY makes those)')
      // The refusals were non-fatal: the link still serves requests.
      await checkAlive(user.client.link!, ctx.ms(5000), 'after the refused bodies')
    },
  },
  {
    id: 'bottle.pick-empty',
    section: '14.2',
    level: 'MUST',
    requirement: 'BOTTLE_PICK with no bottle of somebody else in the pool answers {"bottle": null} (judged only when the pool empties within 50 picks)',
    async run(ctx) {
      const user = await party(ctx)
      for (let i = 0; i < DRAIN_BOUND; i++) {
        const raw = await must(user.client.link!.request(CMD.BOTTLE_PICK, {}, ctx.ms(5000)), 'BOTTLE_PICK')
        let body: unknown
        try {
          body = JSON.parse(raw.body.toString('utf8') || '{}')
        } catch {
          throw new CaseFailure(`BOTTLE_PICK reply is not JSON: ${raw.body.toString('utf8').slice(0, 120)}`)
        }
        const b = (body as {bottle?: unknown}).bottle
        check(b !== undefined, `BOTTLE_PICK reply ${JSON.stringify(body)} has no "bottle" field; "no bottle" must be {"bottle": null}`)
        if (b === null) return
      }
      throw new NotApplicable(`the pool still held bottles after ${DRAIN_BOUND} picks: the target is not quiet enough to see an empty pick`)
    },
  },
]

/** Drift bottle (PROTOCOL.md §14). */
export const bottleCaseModule = defineCaseModule({
  flow: 'bottle',
  title: 'Drift bottle: throw, pick once, reply',
  sections: ['14'],
  probe: firstCommandProbe('bottle'),
  cases,
})

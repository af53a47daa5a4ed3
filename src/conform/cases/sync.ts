import {CMD, type ChatMessage, type SendMsgReply, type SyncKey, type SyncReply} from '../../protocol/index.js'
import {type CaseContext, sleep} from '../context.js'
import {check, checkAlive, checkEqual, checkRejects} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {checkNamesField} from './field-name.js'
import {FrameLog, MESSAGE_FIELDS, NO_KEY, SEND_REPLY_FIELDS, must, pick, describeFrame, describeMessages, latencySummary, linkState, pullAll, quietWait, sendText, syncOnce, textMsg} from './util.js'

/** Text with characters outside ASCII, to catch servers that mangle UTF-8. */
const UNICODE = 'héllo 世界 👋'

/** Checks that `got` holds exactly the messages with these clientMsgIds, in this order, seqs strictly increasing. */
function checkSequence(got: readonly ChatMessage[], expected: readonly string[], what: string): void {
  const ids = new Set<string>()
  for (const m of got) {
    const key = `${m.from}\u0000${m.clientMsgId}`
    check(!ids.has(key), `${what}: ${m.clientMsgId} came twice (seqs ${got.filter((x) => x.from === m.from && x.clientMsgId === m.clientMsgId).map((x) => x.seq).join(', ')})`)
    ids.add(key)
  }
  for (let i = 1; i < got.length; i++) {
    check(got[i]!.seq > got[i - 1]!.seq, `${what}: seqs do not increase: ${got[i - 1]!.clientMsgId} has seq ${got[i - 1]!.seq}, the next one, ${got[i]!.clientMsgId}, seq ${got[i]!.seq}`)
  }
  const n = Math.min(got.length, expected.length)
  for (let i = 0; i < n; i++) {
    if (got[i]!.clientMsgId !== expected[i]) {
      throw new CaseFailure(`${what}: message #${i + 1} is ${got[i]!.clientMsgId} (seq ${got[i]!.seq}), expected ${expected[i]}; received from there: ${describeMessages(got.slice(i), 6)}`)
    }
  }
  checkEqual(got.length, expected.length, `${what}: number of messages`)
}

/** Checks that reply seqs run on by exactly 1 in request order (PROTOCOL.md §6.1, §6.8). */
function checkReplySeqs(replies: readonly SendMsgReply[], what: string): void {
  for (let i = 1; i < replies.length; i++) {
    const prev = replies[i - 1]!.seq
    const cur = replies[i]!.seq
    check(cur === prev + 1, `${what}: SEND_MSG #${i + 1} got inbox seq ${cur}, the one before it ${prev}; seqs must follow the requests' order, one apart`)
  }
}

/**
 * Checks SYNC pages pulled from the start of an inbox of `n` messages (PROTOCOL.md §6.4): each at
 * most `limit` long, `continue` true exactly while messages remain (so false on the page that holds
 * the last one, however full it is), syncKey on each page's last message, one epoch throughout.
 */
function checkPages(pages: readonly SyncReply[], n: number, limit: number, what: string): void {
  let seen = 0
  for (const [i, page] of pages.entries()) {
    check(page.messages.length <= limit, `${what}page ${i + 1} holds ${page.messages.length} messages, more than limit ${limit}`)
    seen += page.messages.length
    checkEqual(page.continue, seen < n, `${what}continue on page ${i + 1} of ${page.messages.length} messages (${seen} of ${n} messages returned so far)`)
    const last = page.messages.at(-1)
    if (last) checkEqual(page.syncKey.seq, last.seq, `${what}syncKey.seq of page ${i + 1} (seq of its last message)`)
    checkEqual(page.syncKey.epoch, pages[0]!.syncKey.epoch, `${what}epoch of page ${i + 1}`)
  }
}

/** Pipelines `n` SEND_MSGs without awaiting any; resolves with the replies in request order. */
function sendMany(link: Parameters<typeof sendText>[0], to: string, n: number, tag: string): Promise<SendMsgReply[]> {
  return Promise.all(Array.from({length: n}, (_, i) => sendText(link, to, `${tag} message ${i}`, `${tag}-${i}`)))
}

const ids = (tag: string, n: number) => Array.from({length: n}, (_, i) => `${tag}-${i}`)

/** A receiver with `n` messages in its inbox from a fresh sender, and an authenticated link. */
async function inboxWith(ctx: CaseContext, n: number, tag: string) {
  const receiver = await ctx.newUser('r')
  const {link: sender, user: from} = await ctx.authedLink()
  const replies: SendMsgReply[] = []
  for (let i = 0; i < n; i++) replies.push(await sendText(sender, receiver.userId, `${tag} message ${i}`, `${tag}-${i}`))
  const {link} = await ctx.authedLink(receiver)
  return {receiver, from, sender, replies, link}
}

/**
 * §6.6: `key` calls for a resync: resync true, the inbox's epoch, every message `expected` from
 * the start, and it acknowledged nothing, so a SYNC from seq 0 still returns them all.
 */
async function checkResyncFromStart(link: Parameters<typeof syncOnce>[0], key: SyncKey, epoch: number, expected: readonly string[], why: string): Promise<void> {
  const shown = `key {epoch: ${key.epoch}, seq: ${key.seq}}`
  const reply = await syncOnce(link, key)
  checkEqual(reply.resync, true, `resync for ${shown} ${why}`)
  checkEqual(reply.syncKey.epoch, epoch, 'syncKey.epoch of the resync reply')
  checkEqual(reply.messages.map((m) => m.clientMsgId), expected, `messages of the resync reply to ${shown} (the key acknowledged nothing, so all are retained)`)
  checkEqual(reply.syncKey.seq, reply.messages.at(-1)?.seq, 'syncKey.seq of the resync reply (its last message)')
  checkEqual(reply.continue, false, 'continue with nothing left')
  const after = await syncOnce(link, {epoch, seq: 0})
  checkEqual(after.messages.map((m) => m.clientMsgId), expected, `messages still retained after ${shown} (it acknowledges nothing)`)
}

export const syncCases: readonly CaseDefinition[] = [
  {
    id: 'sync.send-ack',
    section: '6.2',
    level: 'MUST',
    requirement: 'SEND_MSG is answered with {serverMsgId, seq, sendTime}; a new inbox assigns seqs 1, 2, … and distinct serverMsgIds',
    async run(ctx) {
      const receiver = await ctx.newUser('r')
      const {link} = await ctx.authedLink()
      const a = await sendText(link, receiver.userId, 'first', 'ack-1')
      const b = await sendText(link, receiver.userId, 'second', 'ack-2')
      for (const [name, r] of [['first', a], ['second', b]] as const) {
        check(r.serverMsgId.length > 0, `${name} reply: serverMsgId is empty`)
        check(Number.isSafeInteger(r.sendTime) && r.sendTime > 0, `${name} reply: sendTime must be an integer time in ms, got ${r.sendTime}`)
      }
      checkEqual(a.seq, 1, 'seq of the first message in a new inbox')
      checkEqual(b.seq, 2, 'seq of the second message')
      check(a.serverMsgId !== b.serverMsgId, `two messages got the same serverMsgId "${a.serverMsgId}"`)
    },
  },
  {
    id: 'sync.notify',
    section: '6.3',
    level: 'MUST',
    requirement: 'each message stored for an online receiver that has SYNCed since the last notify causes a SYNC_NOTIFY, and a SYNC after it returns the message',
    async run(ctx) {
      const {link: receiver, user} = await ctx.authedLink()
      const log = new FrameLog(receiver)
      const {link: sender} = await ctx.authedLink()
      let key: SyncKey = (await syncOnce(receiver, NO_KEY)).syncKey
      const wait = quietWait(ctx, 3000)
      for (let i = 0; i < 5; i++) {
        const mark = log.frames.length
        const id = `notify-${i}`
        await sendText(sender, user.userId, `notify ${i}`, id)
        const notify = await log.find((f) => f.cmd === CMD.SYNC_NOTIFY, wait, mark)
        if (!notify) {
          throw new CaseFailure(`message ${i + 1} of 5 was acknowledged but the receiver, which had SYNCed since the last notify, got no SYNC_NOTIFY within ${wait} ms (received: ${log.summary(mark)}); ${linkState(receiver)}`)
        }
        const page = await syncOnce(receiver, key)
        check(page.messages.some((m) => m.clientMsgId === id), `the SYNC after notify ${i + 1} did not return message ${id}; it returned ${describeMessages(page.messages)}`)
        key = page.syncKey
      }
    },
  },
  {
    id: 'sync.notify-format',
    section: '6.3',
    level: 'MUST',
    requirement: 'SYNC_NOTIFY is a push: cmd 4, seq 0, empty body',
    async run(ctx) {
      const {link: receiver, user} = await ctx.authedLink()
      const log = new FrameLog(receiver)
      const {link: sender} = await ctx.authedLink()
      await sendText(sender, user.userId, 'ping', 'fmt-1')
      const wait = quietWait(ctx, 3000)
      const first = await log.find(() => true, wait)
      if (!first) throw new CaseFailure(`no push reached the online receiver within ${wait} ms of a stored message; ${linkState(receiver)}`)
      check(first.cmd === CMD.SYNC_NOTIFY, `expected SYNC_NOTIFY (cmd 4), got ${describeFrame(first)}`)
      checkEqual(first.seq, 0, 'seq of SYNC_NOTIFY')
      checkEqual(first.body.length, 0, 'body length of SYNC_NOTIFY')
    },
  },
  {
    id: 'sync.pull',
    section: '6.4',
    level: 'MUST',
    requirement: 'SYNC {epoch 0, seq 0} returns the stored message with all its fields and advances syncKey to its seq under the inbox epoch',
    async run(ctx) {
      const receiver = await ctx.newUser('r')
      const {link: sender, user: from} = await ctx.authedLink()
      const ack = await sendText(sender, receiver.userId, UNICODE, 'pull-1')
      const {link} = await ctx.authedLink(receiver)
      const reply = await syncOnce(link, NO_KEY)
      checkEqual(reply.messages.length, 1, 'number of messages')
      const m = reply.messages[0]!
      checkEqual(pick(m, MESSAGE_FIELDS), {seq: ack.seq, serverMsgId: ack.serverMsgId, from: from.userId, to: receiver.userId, clientMsgId: 'pull-1', type: 'text', content: UNICODE, sendTime: ack.sendTime},
        'the message as SYNC returned it (vs. the SEND_MSG request and reply)')
      check(reply.syncKey.epoch > 0, `syncKey.epoch must be ≥ 1, got ${reply.syncKey.epoch}`)
      checkEqual(reply.syncKey.seq, m.seq, 'syncKey.seq (the last message returned)')
      checkEqual(reply.continue, false, 'continue with nothing left')
      check(!reply.resync, 'resync: true in answer to an epoch-0 key, which is no resync')
    },
  },
  {
    id: 'sync.duplicate-client-msg-id',
    section: '6.2',
    level: 'MUST',
    requirement: 'a repeated (sender, clientMsgId) gets the first reply unchanged and stores and notifies nothing',
    async run(ctx) {
      const {link: receiver, user} = await ctx.authedLink()
      const log = new FrameLog(receiver)
      const {link: sender} = await ctx.authedLink()
      const key = (await syncOnce(receiver, NO_KEY)).syncKey
      const first = await sendText(sender, user.userId, 'original', 'dup-1')
      await log.find((f) => f.cmd === CMD.SYNC_NOTIFY, quietWait(ctx, 3000))
      // A SYNC re-arms notifies (§6.3): a notify after it would mean the repeat was stored.
      const seen = await syncOnce(receiver, key)
      const mark = log.frames.length
      const again = await sendText(sender, user.userId, 'repeat with other content', 'dup-1')
      checkEqual(pick(again, SEND_REPLY_FIELDS), pick(first, SEND_REPLY_FIELDS), 'reply to the repeated clientMsgId (must be the first reply)')
      await sleep(quietWait(ctx, 200))
      check(log.count(CMD.SYNC_NOTIFY, mark) === 0, `the repeat was notified to the receiver (received: ${log.summary(mark)})`)
      const rest = await pullAll(receiver, seen.syncKey)
      const all = [...seen.messages, ...rest.messages]
      const copies = all.filter((m) => m.clientMsgId === 'dup-1')
      check(copies.length === 1, `the receiver holds ${copies.length} copies of dup-1 (seqs ${copies.map((m) => m.seq).join(', ')}, contents ${copies.map((m) => JSON.stringify(m.content)).join(', ')})`)
      checkEqual(copies[0]!.content, 'original', 'content of dup-1')
      checkEqual(all.length, 1, 'messages in the inbox')
    },
  },
  {
    id: 'sync.unknown-receiver',
    section: '6.2',
    level: 'MUST',
    requirement: 'SEND_MSG to an unknown user gets ERROR IMH_ERR_UNKNOWN_USER (404) with its seq; the link stays open',
    async run(ctx) {
      const {link} = await ctx.authedLink()
      const err = await checkRejects(sendText(link, `${ctx.uniqueName('nobody')}-x`, 'hello?', 'unknown-1'), 'IMH_ERR_UNKNOWN_USER', 'SEND_MSG to a user that does not exist')
      checkEqual(err.details?.ret, 404, 'ERROR ret')
      await checkAlive(link, ctx.ms(3000), 'after IMH_ERR_UNKNOWN_USER (non-fatal)')
    },
  },
  {
    id: 'sync.bad-body',
    section: '6.2',
    level: 'MUST',
    requirement: 'malformed SEND_MSG and SYNC bodies get non-fatal IMH_ERR_BAD_BODY (SEND_MSG errMsg naming the field) and store nothing',
    async run(ctx) {
      const receiver = await ctx.newUser('r')
      const {link} = await ctx.authedLink()
      const to = receiver.userId
      const sendBad: [string, unknown, string][] = [
        ['missing clientMsgId', {to, type: 'text', content: 'x'}, 'clientMsgId'],
        ['empty clientMsgId', textMsg(to, 'x', ''), 'clientMsgId'],
        ['129-character clientMsgId', textMsg(to, 'x', 'c'.repeat(129)), 'clientMsgId'],
        ['numeric to', {clientMsgId: 'bad-to', to: 42, type: 'text', content: 'x'}, 'to'],
        ['unknown type', {clientMsgId: 'bad-type', to, type: 'image', content: 'x'}, 'type'],
        ['missing content', {clientMsgId: 'bad-content', to, type: 'text'}, 'content'],
      ]
      for (const [what, body, field] of sendBad) {
        const err = await checkRejects(link.request(CMD.SEND_MSG, body), 'IMH_ERR_BAD_BODY', `SEND_MSG with ${what}`)
        checkNamesField(err.message, field, `SEND_MSG with ${what}`)
      }
      const syncBad: [string, unknown][] = [
        ['no syncKey', {}],
        ['syncKey without seq', {syncKey: {epoch: 0}}],
        ['negative epoch', {syncKey: {epoch: -1, seq: 0}}],
        ['string seq', {syncKey: {epoch: 0, seq: '0'}}],
        ['limit 0', {syncKey: NO_KEY, limit: 0}],
        ['an array body', []],
      ]
      for (const [what, body] of syncBad) await checkRejects(link.request(CMD.SYNC, body), 'IMH_ERR_BAD_BODY', `SYNC with ${what}`)
      await checkAlive(link, ctx.ms(3000), 'after the IMH_ERR_BAD_BODY answers (non-fatal)')
      const {link: rl} = await ctx.authedLink(receiver)
      const inbox = await syncOnce(rl, NO_KEY)
      check(inbox.messages.length === 0, `rejected SEND_MSGs were stored: the receiver's inbox holds ${describeMessages(inbox.messages)}`)
    },
  },
  {
    id: 'sync.offline-delivery',
    section: '6.7',
    level: 'MUST',
    requirement: 'messages sent while the receiver has no link reach it, in order, at its next SYNC',
    async run(ctx) {
      const user = await ctx.newUser('r')
      const online = await ctx.client(user)
      await online.close()
      const {link: sender} = await ctx.authedLink()
      await sendText(sender, user.userId, 'while you were out 0', 'off-0')
      await sendText(sender, user.userId, 'while you were out 1', 'off-1')
      await sendText(sender, user.userId, UNICODE, 'off-2')
      const back = await ctx.client(user, {autoSync: false})
      const got: ChatMessage[] = []
      back.on('message', (m) => got.push(m))
      await back.sync()
      checkSequence(got, ids('off', 3), 'messages at the first SYNC after reconnecting')
      checkEqual(got[2]!.content, UNICODE, 'content of off-2')
    },
  },
  {
    id: 'sync.order-1000',
    section: '6.8',
    level: 'MUST',
    requirement: '1000 SEND_MSGs pipelined on one link reach the online receiver completely, once each, in request order',
    async run(ctx) {
      const N = 1000
      const user = await ctx.newUser('r')
      const receiver = await ctx.client(user, {heartbeat: true})
      const got: ChatMessage[] = []
      const errors: Error[] = []
      receiver.on('message', (m) => got.push(m))
      receiver.on('error', (e) => errors.push(e))
      const {link: sender} = await ctx.authedLink()
      const replies = await sendMany(sender, user.userId, N, 'order')
      checkReplySeqs(replies, 'pipelined SEND_MSG replies')
      const limit = ctx.ms(10_000)
      const end = performance.now() + limit
      while (got.length < N && errors.length === 0 && performance.now() < end) await sleep(10)
      check(errors.length === 0, `the receiver's notify-then-pull loop failed: ${errors[0]?.message}`)
      // One more pull: anything beyond N now is a duplicate.
      await receiver.sync()
      if (got.length < N) {
        const have = new Set(got.map((m) => m.clientMsgId))
        const missing = ids('order', N).filter((id) => !have.has(id))
        throw new CaseFailure(`the receiver holds ${got.length} of ${N} acknowledged messages after ${limit} ms of notify-then-pull; missing ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}`)
      }
      checkSequence(got, ids('order', N), 'messages as the receiver pulled them')
    },
  },
  {
    id: 'sync.paging-continue',
    section: '6.4',
    level: 'MUST',
    requirement: 'SYNC with limit 10 over 35 messages: continue is true while messages remain and false on the last page; pages concatenate in order',
    async run(ctx) {
      const N = 35
      const LIMIT = 10
      const {link} = await inboxWith(ctx, N, 'page')
      const {pages, messages} = await pullAll(link, NO_KEY, LIMIT, N + 5)
      checkPages(pages, N, LIMIT, '')
      checkSequence(messages, ids('page', N), `the ${pages.length} pages concatenated`)
    },
  },
  {
    id: 'sync.continue-full-last-page',
    section: '6.4',
    level: 'MUST',
    requirement: 'continue is false on the page that holds the last message even when that page is exactly limit long (inboxes of limit and 2×limit messages)',
    async run(ctx) {
      // A small limit the server must honour as asked (§6.4 lowers only limits above syncPageMax).
      const LIMIT = Math.min(5, ctx.limits.syncPageMax)
      for (const k of [1, 2]) {
        const N = k * LIMIT
        const tag = `full${k}`
        const {link} = await inboxWith(ctx, N, tag)
        const {pages, messages} = await pullAll(link, NO_KEY, LIMIT, N + 5)
        checkPages(pages, N, LIMIT, `${N} messages, limit ${LIMIT}: `)
        checkSequence(messages, ids(tag, N), `the ${pages.length} pages of ${N} messages concatenated`)
      }
    },
  },
  {
    id: 'sync.page-limit',
    section: '6.4',
    level: 'MUST',
    requirement: 'a SYNC page never holds more than the limit asked, syncPageDefault without a limit, or syncPageMax for a larger limit',
    async run(ctx) {
      const {syncPageDefault, syncPageMax} = ctx.limits
      // Over syncPageMax can only be seen with more messages than that; past 2000 it is not tried.
      const testMax = syncPageMax <= 2000
      const n = (testMax ? Math.max(syncPageMax, syncPageDefault) : Math.min(syncPageDefault, 2000)) + 1
      const receiver = await ctx.newUser('r')
      const {link: sender} = await ctx.authedLink()
      await sendMany(sender, receiver.userId, n, 'lim')
      const {link} = await ctx.authedLink(receiver)
      const asks: [string, number | undefined, number][] = [[`limit 3`, 3, 3], [`no limit (syncPageDefault ${syncPageDefault})`, undefined, syncPageDefault]]
      if (testMax) asks.push([`limit ${syncPageMax + 1} (over syncPageMax ${syncPageMax})`, syncPageMax + 1, syncPageMax])
      for (const [what, limit, cap] of asks) {
        // Epoch 0 acknowledges nothing (§6.5), so every ask sees the same n messages.
        const page = await syncOnce(link, NO_KEY, limit)
        check(page.messages.length <= cap, `SYNC with ${what} returned ${page.messages.length} messages, more than ${cap}`)
        check(page.messages.length > 0, `SYNC with ${what} returned no messages from an inbox of ${n}`)
        checkEqual(page.continue, page.messages.length < n, `continue after ${page.messages.length} of ${n} messages (SYNC with ${what})`)
      }
    },
  },
  {
    id: 'sync.ack',
    section: '6.5',
    level: 'MUST',
    requirement: 'SYNC with the latest key returns no messages, continue false and the same key; a later message is returned alone',
    async run(ctx) {
      const {link, sender, receiver} = await inboxWith(ctx, 3, 'ack')
      const {key} = await pullAll(link, NO_KEY)
      const again = await syncOnce(link, key)
      check(again.messages.length === 0, `SYNC with the key of the last pull returned acknowledged messages again: ${describeMessages(again.messages)}`)
      checkEqual(again.continue, false, 'continue with nothing new')
      checkEqual(again.syncKey, key, 'syncKey when nothing is returned (the key presented)')
      check(!again.resync, 'resync: true for the current key')
      const ack = await sendText(sender, receiver.userId, 'one more', 'ack-3')
      const next = await syncOnce(link, key)
      checkEqual(next.messages.map((m) => m.clientMsgId), ['ack-3'], 'clientMsgIds returned after one more message')
      checkEqual(next.messages[0]!.seq, ack.seq, 'seq of the new message (its SEND_MSG reply seq)')
    },
  },
  {
    id: 'sync.epoch-resync',
    section: '6.6',
    level: 'MUST',
    requirement: 'a key with a wrong non-zero epoch gets resync true, the current epoch and the messages from the start, and acknowledges nothing',
    async run(ctx) {
      const {link} = await inboxWith(ctx, 2, 'ep')
      const start = await syncOnce(link, NO_KEY)
      const epoch = start.syncKey.epoch
      const wrong = epoch > 1 ? epoch - 1 : epoch + 1
      await checkResyncFromStart(link, {epoch: wrong, seq: 2}, epoch, ['ep-0', 'ep-1'], `when the inbox epoch is ${epoch}`)
    },
  },
  {
    id: 'sync.future-seq-resync',
    section: '6.6',
    level: 'MUST',
    requirement: 'a key with the right epoch but a seq beyond the highest assigned gets resync true and the messages from the start, and acknowledges nothing',
    async run(ctx) {
      const {link} = await inboxWith(ctx, 2, 'fut')
      const epoch = (await syncOnce(link, NO_KEY)).syncKey.epoch
      // §6.6: such a key is a lost state's, not an acknowledgement (§6.5).
      await checkResyncFromStart(link, {epoch, seq: 50}, epoch, ['fut-0', 'fut-1'], 'when the inbox has assigned seqs up to 2')
    },
  },
  {
    id: 'sync.error-not-replayed',
    section: '6.2',
    level: 'MUST',
    requirement: 'a SEND_MSG answered by ERROR is not remembered: a later SEND_MSG with the same clientMsgId is processed afresh, stored and acknowledged',
    async run(ctx) {
      const receiver = await ctx.newUser('r')
      const {link} = await ctx.authedLink()
      const ghost = `${ctx.uniqueName('nobody')}-x`
      await checkRejects(sendText(link, ghost, 'to nobody', 'again-1'), 'IMH_ERR_UNKNOWN_USER', 'SEND_MSG again-1 to a user that does not exist')
      const first = await must(sendText(link, receiver.userId, 'now to someone', 'again-1'), 'SEND_MSG again-1 to a real user after the same clientMsgId was refused with IMH_ERR_UNKNOWN_USER (an ERROR is no first reply to replay)')
      await checkRejects(link.request(CMD.SEND_MSG, {clientMsgId: 'again-2', to: receiver.userId, type: 'text'}), 'IMH_ERR_BAD_BODY', 'SEND_MSG again-2 without content')
      const second = await must(sendText(link, receiver.userId, 'with content', 'again-2'), 'SEND_MSG again-2 complete after the same clientMsgId was refused with IMH_ERR_BAD_BODY')
      const {link: rl} = await ctx.authedLink(receiver)
      const {messages} = await pullAll(rl, NO_KEY)
      checkEqual(messages.map((m) => [m.clientMsgId, m.content, m.seq]), [['again-1', 'now to someone', first.seq], ['again-2', 'with content', second.seq]], 'the receiver\'s inbox ([clientMsgId, content, seq])')
    },
  },
  {
    id: 'sync.two-senders-order',
    section: '6.8',
    level: 'MUST',
    requirement: 'two senders pipelining to one receiver at once: each sender\'s messages keep their order, none lost or doubled',
    async run(ctx) {
      const N = 50
      const receiver = await ctx.newUser('r')
      const {link: a, user: ua} = await ctx.authedLink()
      const {link: b, user: ub} = await ctx.authedLink()
      const pa: Promise<SendMsgReply>[] = []
      const pb: Promise<SendMsgReply>[] = []
      for (let i = 0; i < N; i++) {
        pa.push(sendText(a, receiver.userId, `a ${i}`, `a-${i}`))
        pb.push(sendText(b, receiver.userId, `b ${i}`, `b-${i}`))
      }
      const [ra, rb] = await Promise.all([Promise.all(pa), Promise.all(pb)])
      const {link} = await ctx.authedLink(receiver)
      const {messages} = await pullAll(link, NO_KEY)
      checkSequence(messages.filter((m) => m.from === ua.userId), ids('a', N), 'sender A\'s messages as the receiver pulled them')
      checkSequence(messages.filter((m) => m.from === ub.userId), ids('b', N), 'sender B\'s messages as the receiver pulled them')
      checkEqual(messages.length, 2 * N, 'messages in the receiver\'s inbox')
      for (let i = 1; i < messages.length; i++) {
        check(messages[i]!.seq > messages[i - 1]!.seq, `inbox seqs do not increase: seq ${messages[i - 1]!.seq} then ${messages[i]!.seq}`)
      }
      const bySeq = new Map(messages.map((m) => [m.seq, m.clientMsgId]))
      for (const [tag, replies] of [['a', ra], ['b', rb]] as const) {
        for (const [i, r] of replies.entries()) {
          checkEqual(bySeq.get(r.seq), `${tag}-${i}`, `message at the seq that SEND_MSG ${tag}-${i} was acknowledged with (${r.seq})`)
        }
      }
    },
  },
  {
    id: 'sync.latency',
    section: '6.3',
    level: 'INFO',
    requirement: 'time from SEND_MSG until the online receiver holds the message through notify and pull, 100 messages one at a time',
    async run(ctx) {
      const user = await ctx.newUser('r')
      const receiver = await ctx.client(user, {heartbeat: true})
      const waiting = new Map<string, (at: number) => void>()
      receiver.on('message', (m) => waiting.get(m.clientMsgId)?.(performance.now()))
      receiver.on('error', () => {})
      const {link: sender} = await ctx.authedLink()
      const samples: number[] = []
      const limit = ctx.ms(3000)
      for (let i = 0; i < 100; i++) {
        const id = `lat-${i}`
        let timer: NodeJS.Timeout | undefined
        const arrived = new Promise<number | undefined>((resolve) => {
          waiting.set(id, resolve)
          timer = setTimeout(() => resolve(undefined), limit)
        })
        const t0 = performance.now()
        await sendText(sender, user.userId, `latency ${i}`, id)
        const at = await arrived
        clearTimeout(timer)
        waiting.delete(id)
        if (at === undefined) throw new CaseFailure(`message ${id} did not reach the online receiver within ${limit} ms`)
        samples.push(at - t0)
      }
      return latencySummary(samples, 'send to delivery')
    },
  },
]

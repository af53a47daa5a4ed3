import {groupUrl} from '../../client/group-url.js'
import {MediaClient} from '../../client/media-client.js'
import {MAX_MOMENT_TEXT, MEDIA_ROUTES} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {mediaRaw} from './media-util.js'
import {firstRouteProbe} from './probes.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {R, TINY_PNG, api, describeIds, expectCode, expectOk, friends, moments, pullNotices, wholeTimeline} from './moments-util.js'
import {FrameLog} from './util.js'

/** Likes and comments reach the author as notices of SYNC category moments (§15.6). */
function noticeCase(kind: 'like' | 'comment'): CaseDefinition {
  return {
    id: `moments.${kind}-notice`,
    section: '15.6',
    level: 'MUST',
    requirement: `a ${kind} by a friend puts a notice in the author's moments inbox: SYNC_NOTIFY {category: "moments"} on the author's link, then SYNC {category: "moments"} returns {kind: "${kind}", momentId, from}`,
    async run(ctx) {
      const [author, friend] = await friends(ctx)
      const {link} = await ctx.authedLink(author)
      const log = new FrameLog(link)
      const {momentId} = await moments(author).post(`a moment to ${kind}`)
      const mark = log.frames.length
      if (kind === 'like') await moments(friend).like(momentId)
      else await moments(friend).comment(momentId, 'nice one')
      const reply = await pullNotices(ctx, log, mark, `after the friend's ${kind}`)
      const notice = reply.notices.find((n) => n.momentId === momentId && n.kind === kind)
      if (!notice) throw new CaseFailure(`SYNC {category: "moments"} returned no ${kind} notice for ${momentId}: ${JSON.stringify(reply.notices).slice(0, 300)}`)
      checkEqual(notice.from, friend.userId, `from of the ${kind} notice (the friend)`)
      if (kind === 'comment') checkEqual(notice.text, 'nice one', 'text of the comment notice')
      check(reply.syncKey.seq >= notice.seq && reply.syncKey.epoch > 0, `syncKey ${JSON.stringify(reply.syncKey)} does not cover the notice's seq ${notice.seq}`)
      const seen = (await moments(author).get(momentId)).moment
      if (kind === 'like') check(seen.likes.includes(friend.userId), `the author's GET /moments/get shows likes ${JSON.stringify(seen.likes)}, without the friend ${friend.userId}`)
      else check(seen.comments.some((c) => c.from === friend.userId && c.text === 'nice one'), `the author's GET /moments/get shows comments ${JSON.stringify(seen.comments)}, without the friend's`)
    },
  }
}

const cases: readonly CaseDefinition[] = [
  {
    id: 'moments.friend-add',
    section: '15.1',
    level: 'MUST',
    requirement: 'POST /friends/add makes both users friends at once: each one\'s GET /friends lists the other, once, however often it is added',
    async run(ctx) {
      const [a, b] = await friends(ctx)
      await moments(a).addFriend(b.userId)
      const ofA = (await moments(a).friends()).friends
      const ofB = (await moments(b).friends()).friends
      checkEqual(ofA.map((f) => f.userId), [b.userId], "the adder's friends after adding twice")
      checkEqual(ofB.map((f) => f.userId), [a.userId], "the added user's friends (friendship is mutual)")
      checkEqual(ofB[0]!.nickname, a.username, 'nickname of the friend (the username when none is set)')
    },
  },
  {
    id: 'moments.timeline-order',
    section: '15.3',
    level: 'MUST',
    requirement: "GET /moments/timeline shows the caller's own and friends' moments, newest first, with author, text and createTime",
    async run(ctx) {
      const [a, b] = await friends(ctx)
      const names = new Map<string, string>()
      const posts: string[] = []
      for (const [who, text] of [[a, 'one'], [b, 'two'], [a, 'three'], [b, 'four']] as const) {
        const r = await moments(who).post(text)
        names.set(r.momentId, text)
        posts.push(r.momentId)
      }
      const expected = [...posts].reverse()
      for (const [viewer, name] of [[a, 'the first friend'], [b, 'the second friend']] as const) {
        const page = (await moments(viewer).timeline(undefined, 10)).moments
        const ids = page.map((m) => m.momentId)
        check(JSON.stringify(ids) === JSON.stringify(expected), `${name}'s timeline is ${describeIds(ids, names)}, expected newest first ${describeIds(expected, names)}`)
        for (const m of page) {
          checkEqual(m.text, names.get(m.momentId), `text of moment ${m.momentId}`)
          checkEqual(m.author.userId, ['one', 'three'].includes(m.text) ? a.userId : b.userId, `author of "${m.text}"`)
        }
        for (let i = 1; i < page.length; i++) check(page[i]!.createTime <= page[i - 1]!.createTime, `createTime rises down the timeline at "${page[i]!.text}"`)
      }
    },
  },
  {
    id: 'moments.timeline-paging',
    section: '15.3',
    level: 'MUST',
    requirement: 'paging with `next` returns every moment once, in order, even while friends post; `next` is absent on the last page',
    async run(ctx) {
      const [a, b] = await friends(ctx)
      const names = new Map<string, string>()
      const posts: string[] = []
      for (let i = 0; i < 7; i++) {
        const r = await moments(b).post(`page ${i}`)
        names.set(r.momentId, `page ${i}`)
        posts.push(r.momentId)
      }
      const m = moments(a)
      const first = await m.timeline(undefined, 3)
      const late = await moments(b).post('posted while paging')
      names.set(late.momentId, 'late')
      const got = first.moments.map((x) => x.momentId)
      let cursor = first.next
      for (let pages = 1; cursor !== undefined; pages++) {
        if (pages > 20) throw new CaseFailure('timeline still gives a next cursor after 20 pages of 3 for 7 moments')
        const page = await m.timeline(cursor, 3)
        check(page.moments.length <= 3, `a page of ${page.moments.length} moments for limit 3`)
        got.push(...page.moments.map((x) => x.momentId))
        cursor = page.next
      }
      const dup = got.find((id, i) => got.indexOf(id) !== i)
      if (dup) throw new CaseFailure(`paging returned "${names.get(dup)}" twice: ${describeIds(got, names)}`)
      check(JSON.stringify(got) === JSON.stringify([...posts].reverse()), `paging from the first page returned ${describeIds(got, names)}, expected ${describeIds([...posts].reverse(), names)}`)
      const fresh = await wholeTimeline(a, 4)
      checkEqual(fresh.ids[0], late.momentId, 'first moment of a new first page (the one posted while paging)')
    },
  },
  {
    id: 'moments.stranger',
    section: '15.4',
    level: 'MUST',
    requirement: 'a user who is neither the author nor a friend does not see a moment: not in the timeline; get, like and comment answer 404 IMH_ERR_MOMENT_NOT_FOUND',
    async run(ctx) {
      const [a, b] = await friends(ctx)
      const stranger = await ctx.newUser('s')
      const {momentId} = await moments(a).post('friends only')
      await expectOk(api(b, 'GET', `${R.momentsGet.path}?momentId=${encodeURIComponent(momentId)}`), "a friend's GET /moments/get")
      const seen = (await moments(stranger).timeline(undefined, 50)).moments
      check(!seen.some((m) => m.momentId === momentId), "a stranger's timeline shows the moment of someone who is not their friend")
      await expectCode(api(stranger, 'GET', `${R.momentsGet.path}?momentId=${encodeURIComponent(momentId)}`), 'IMH_ERR_MOMENT_NOT_FOUND', "a stranger's GET /moments/get")
      await expectCode(api(stranger, 'POST', R.momentsLike.path, {momentId}), 'IMH_ERR_MOMENT_NOT_FOUND', "a stranger's POST /moments/like")
      await expectCode(api(stranger, 'POST', R.momentsComment.path, {momentId, text: 'hi'}), 'IMH_ERR_MOMENT_NOT_FOUND', "a stranger's POST /moments/comment")
      const likes = (await moments(a).get(momentId)).moment
      check(likes.likes.length === 0 && likes.comments.length === 0, `the stranger's refused like or comment was stored: ${JSON.stringify({likes: likes.likes, comments: likes.comments})}`)
    },
  },
  noticeCase('like'),
  noticeCase('comment'),
  {
    id: 'moments.unknown-media',
    section: '15.2',
    level: 'MUST',
    requirement: 'POST /moments/post with a mediaId that does not exist (or is not the poster\'s upload) answers 404 IMH_ERR_MEDIA_NOT_FOUND and posts nothing',
    async run(ctx) {
      const [a, b] = await friends(ctx)
      await expectCode(api(a, 'POST', R.momentsPost.path, {text: 'with a ghost image', mediaIds: ['imh-no-such-media']}), 'IMH_ERR_MEDIA_NOT_FOUND', 'POST /moments/post with an unknown mediaId')
      const base = ctx.answer.groups.media[0]
      if (base) {
        const up = await new MediaClient({base, dispatcher: ctx.target.dispatcher, timeoutMs: ctx.ms(10_000)}).upload(b.token, 'image/png', TINY_PNG)
        await expectCode(api(a, 'POST', R.momentsPost.path, {text: "with a friend's image", mediaIds: [up.mediaId]}), 'IMH_ERR_MEDIA_NOT_FOUND', "POST /moments/post with another user's mediaId")
      }
      const left = (await moments(b).timeline(undefined, 10)).moments
      check(left.length === 0, `a refused post was stored: the friend's timeline shows ${JSON.stringify(left.map((m) => m.text))}`)
    },
  },
  {
    id: 'moments.bad-body',
    section: '15.7',
    level: 'MUST',
    requirement: 'malformed friend, post, timeline, like and comment requests answer 400 IMH_ERR_BAD_REQUEST (adding an unknown user: 404 IMH_ERR_UNKNOWN_USER)',
    async run(ctx) {
      const [a] = await friends(ctx)
      const bad = async (method: string, path: string, body: unknown, what: string) => expectCode(api(a, method, path, body), 'IMH_ERR_BAD_REQUEST', what)
      await bad('POST', R.friendsAdd.path, {userId: a.userId}, 'POST /friends/add of oneself')
      await bad('POST', R.friendsAdd.path, {userId: 7}, 'POST /friends/add with a number userId')
      await expectCode(api(a, 'POST', R.friendsAdd.path, {userId: 'imh-no-such-user'}), 'IMH_ERR_UNKNOWN_USER', 'POST /friends/add of an unknown user')
      await bad('POST', R.momentsPost.path, {text: 5, mediaIds: []}, 'POST /moments/post with a number text')
      await bad('POST', R.momentsPost.path, {text: 'no media list'}, 'POST /moments/post without mediaIds')
      await bad('POST', R.momentsPost.path, {text: '', mediaIds: []}, 'POST /moments/post with neither text nor media')
      await bad('POST', R.momentsPost.path, {text: 'x'.repeat(MAX_MOMENT_TEXT + 1), mediaIds: []}, `POST /moments/post with ${MAX_MOMENT_TEXT + 1} characters of text`)
      await bad('POST', R.momentsPost.path, {text: 'x', mediaIds: Array.from({length: 10}, (_, i) => `m${i}`)}, 'POST /moments/post with 10 mediaIds')
      await bad('GET', `${R.momentsTimeline.path}?limit=0`, undefined, 'GET /moments/timeline?limit=0')
      await bad('GET', `${R.momentsTimeline.path}?cursor=imh-not-a-cursor`, undefined, 'GET /moments/timeline with a cursor the server never gave')
      await bad('GET', R.momentsGet.path, undefined, 'GET /moments/get without momentId')
      await bad('POST', R.momentsLike.path, {}, 'POST /moments/like without momentId')
      await bad('POST', R.momentsComment.path, {momentId: 'x', text: ''}, 'POST /moments/comment with empty text')
      checkEqual((await moments(a).timeline()).moments.length, 0, 'moments stored by the refused posts')
    },
  },
  {
    id: 'moments.media-post',
    section: '15.2',
    level: 'MUST',
    requirement: "a moment with an image uploaded to the media group shows {mediaId, url} in a friend's timeline, the url the object's on a member of the media group (the upload's own, or another node's, §2.5), serving the uploaded bytes",
    async run(ctx) {
      const base = ctx.mediaUrl
      const [a, b] = await friends(ctx)
      const up = await new MediaClient({base, dispatcher: ctx.target.dispatcher, timeoutMs: ctx.ms(10_000)}).upload(a.token, 'image/png', TINY_PNG)
      const {momentId} = await moments(a).post('a picture', [up.mediaId])
      const seen = (await moments(b).timeline()).moments.find((m) => m.momentId === momentId)
      if (!seen) throw new CaseFailure("the friend's timeline lacks the moment with an image")
      checkEqual(seen.media.map((m) => m.mediaId), [up.mediaId], 'media of the moment in the timeline')
      // Any node of the media group may be named: a node renders the URL with its own media base.
      const url = seen.media[0]!.url
      const urls = ctx.answer.groups.media.map((m) => groupUrl(m, `${MEDIA_ROUTES.object}${up.mediaId}`).href)
      check(urls.includes(url), `media of the moment in the timeline: url ${url} is not the object's URL on a member of the media group (${urls.join(', ')})`)
      const got = await mediaRaw(ctx, 'GET', url)
      check(got.status === 200 && got.bytes.equals(TINY_PNG), `media of the moment in the timeline: GET ${url} answered ${got.status} with ${got.bytes.length} bytes, not the uploaded image`)
    },
  },
]

/** Friends and moments (PROTOCOL.md §15). */
export const momentsCaseModule = defineCaseModule({
  flow: 'moments',
  title: 'Friends and moments: timelines, likes and comments, notices',
  sections: ['15'],
  probe: firstRouteProbe('moments'),
  cases,
})

import type {MomentComment} from '../../src/protocol/index.js'

/** A moment as stored; the server renders the author and media URLs when it answers. */
export interface StoredMoment {
  momentId: string
  /** Position in the order of all posts: higher is newer. The timeline cursor is built on it. */
  seq: number
  author: string
  text: string
  mediaIds: string[]
  createTime: number
  /** User ids in the order they liked. */
  likes: string[]
  comments: MomentComment[]
}

/**
 * Friends and moments of the reference server (PROTOCOL.md §15): in memory, or in the group's
 * Redis (redis-moments-store.ts); visibility is the server's business, not the store's.
 */
export interface MomentsStore {
  /** Makes a and b friends of each other; false when they already were. */
  addFriend(a: string, b: string): Promise<boolean>
  /** Friends of a user in the order they became friends. */
  friendsOf(userId: string): Promise<string[]>
  areFriends(a: string, b: string): Promise<boolean>
  addMoment(author: string, text: string, mediaIds: string[]): Promise<StoredMoment>
  getMoment(momentId: string): Promise<StoredMoment | undefined>
  /** Moments of these authors with seq < beforeSeq, newest first, at most limit. */
  timeline(authors: readonly string[], beforeSeq: number, limit: number): Promise<StoredMoment[]>
  /** False when the user had already liked it. */
  addLike(momentId: string, userId: string): Promise<boolean>
  addComment(momentId: string, from: string, text: string): Promise<MomentComment>
}

export class MemoryMomentsStore implements MomentsStore {
  private readonly friends = new Map<string, Set<string>>()
  private readonly moments = new Map<string, StoredMoment>()
  /** Per author, ascending seq. */
  private readonly byAuthor = new Map<string, StoredMoment[]>()
  private nextSeq = 1
  private nextComment = 1

  async addFriend(a: string, b: string): Promise<boolean> {
    const had = this.friendSet(a).has(b) && this.friendSet(b).has(a)
    this.friendSet(a).add(b)
    this.friendSet(b).add(a)
    return !had
  }

  async friendsOf(userId: string): Promise<string[]> {
    return [...(this.friends.get(userId) ?? [])]
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    return this.friends.get(a)?.has(b) ?? false
  }

  async addMoment(author: string, text: string, mediaIds: string[]): Promise<StoredMoment> {
    const seq = this.nextSeq++
    const moment: StoredMoment = {momentId: `mo${seq}`, seq, author, text, mediaIds: [...mediaIds], createTime: Date.now(), likes: [], comments: []}
    this.moments.set(moment.momentId, moment)
    let list = this.byAuthor.get(author)
    if (!list) this.byAuthor.set(author, (list = []))
    list.push(moment)
    return moment
  }

  async getMoment(momentId: string): Promise<StoredMoment | undefined> {
    return this.moments.get(momentId)
  }

  async timeline(authors: readonly string[], beforeSeq: number, limit: number): Promise<StoredMoment[]> {
    // The newest `limit` of each author below the cursor, merged: no author can need more.
    const candidates: StoredMoment[] = []
    for (const author of new Set(authors)) {
      const list = this.byAuthor.get(author)
      if (!list) continue
      const end = firstAtOrAbove(list, beforeSeq)
      candidates.push(...list.slice(Math.max(0, end - limit), end))
    }
    return candidates.sort((x, y) => y.seq - x.seq).slice(0, limit)
  }

  async addLike(momentId: string, userId: string): Promise<boolean> {
    const m = this.moments.get(momentId)
    if (!m || m.likes.includes(userId)) return false
    m.likes.push(userId)
    return true
  }

  async addComment(momentId: string, from: string, text: string): Promise<MomentComment> {
    const comment: MomentComment = {commentId: `c${this.nextComment++}`, from, text, createTime: Date.now()}
    this.moments.get(momentId)?.comments.push(comment)
    return comment
  }

  private friendSet(userId: string): Set<string> {
    let set = this.friends.get(userId)
    if (!set) this.friends.set(userId, (set = new Set()))
    return set
  }
}

/** Index of the first moment with seq >= seq in an ascending list. */
function firstAtOrAbove(list: readonly StoredMoment[], seq: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.seq < seq) lo = mid + 1
    else hi = mid
  }
  return lo
}

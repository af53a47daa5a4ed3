import {
  type BottlePickReply, type BottleReplyReply, type BottleThrowReply, CMD, type Frame, ImhError, parseBottlePick,
  parseBottleReply, parseBottleThrow, parseJsonBody,
} from '../../src/protocol/index.js'
import type {LinkPeer} from '../long/link-peer.js'
import type {LongService} from '../long/long-service.js'
import type {Store} from '../store/store.js'
import {type BottleStore, MemoryBottleStore} from './bottle-store.js'

export interface BottleOptions {
  store: Store
  /** The pool; default a MemoryBottleStore with its default bounds. */
  bottles?: BottleStore
}

export const BOTTLE_REQUEST_CMDS: ReadonlySet<number> = new Set([CMD.BOTTLE_THROW, CMD.BOTTLE_PICK, CMD.BOTTLE_REPLY])

/**
 * Drift bottle (PROTOCOL.md §14): throw a text into a shared pool, pick a random
 * bottle of somebody else, reply to it as a chat message in the thrower's inbox.
 */
export class BottleService implements LongService {
  readonly cmds = BOTTLE_REQUEST_CMDS
  readonly bottles: BottleStore

  constructor(private readonly options: BottleOptions) {
    this.bottles = options.bottles ?? new MemoryBottleStore()
  }

  async handle(from: Pick<LinkPeer, 'userId'>, frame: Frame, reply: (body: unknown) => void): Promise<void> {
    const body = parseJsonBody(frame.body)
    const userId = from.userId!
    switch (frame.cmd) {
      case CMD.BOTTLE_THROW: return reply(await this.throwBottle(userId, parseBottleThrow(body).content))
      case CMD.BOTTLE_PICK: parseBottlePick(body); return reply(await this.pick(userId))
      case CMD.BOTTLE_REPLY: return reply(await this.answer(userId, parseBottleReply(body)))
      default: throw new ImhError('IMH_ERR_UNKNOWN_CMD', `cmd ${frame.cmd} is not a bottle request`)
    }
  }

  async throwBottle(thrower: string, content: string): Promise<BottleThrowReply> {
    const b = await this.bottles.add(thrower, content, Date.now())
    return {bottleId: b.bottleId, throwTime: b.throwTime}
  }

  async pick(picker: string): Promise<BottlePickReply> {
    const b = await this.bottles.take(picker)
    // The thrower stays anonymous until the picker replies.
    return {bottle: b ? {bottleId: b.bottleId, content: b.content, throwTime: b.throwTime} : null}
  }

  async answer(picker: string, req: {bottleId: string; clientMsgId: string; content: string}): Promise<BottleReplyReply> {
    const pick = await this.bottles.pickOf(req.bottleId)
    // Someone else's pick reads the same as no bottle: a non-picker learns nothing about it.
    if (!pick || pick.picker !== picker) throw new ImhError('IMH_ERR_BOTTLE_UNKNOWN', `BOTTLE_REPLY: no bottle "${req.bottleId}" picked by you`, {field: 'bottleId'})
    const {store} = this.options
    const {reply, duplicate} = await store.appendMessage({from: picker, to: pick.thrower, clientMsgId: req.clientMsgId, type: 'bottle', content: req.content})
    if (!duplicate) await store.publish({type: 'notify', userId: pick.thrower})
    return {...reply, to: pick.thrower}
  }
}

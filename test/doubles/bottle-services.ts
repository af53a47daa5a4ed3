import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import {CMD, type Frame, parseJsonBody} from '../../src/protocol/index.js'
import type {LinkPeer, ReferenceServer} from '../../reference-server/index.js'
import {type BottleOptions, BottleService} from '../../reference-server/bottle/bottle-service.js'
import {MemoryBottleStore, type StoredBottle} from '../../reference-server/bottle/bottle-store.js'

/**
 * Broken drift-bottle targets (PROTOCOL.md §14): the embedded reference server with its bottle
 * service replaced through `services.bottle`, each planting one bug.
 */

/** (a) A pool that, once empty, hands out bottles already taken: a bottle goes to a second picker. */
class SharedPool extends MemoryBottleStore {
  private readonly all: StoredBottle[] = []
  override async add(thrower: string, content: string, throwTime: number): Promise<StoredBottle> {
    const b = await super.add(thrower, content, throwTime)
    this.all.push(b)
    return b
  }

  override async take(picker: string): Promise<StoredBottle | null> {
    const b = await super.take(picker)
    if (b) return b
    // Once the pool is empty, hand out old bottles again.
    return this.all.find((x) => x.thrower !== picker) ?? null
  }
}

/** (b) A pool that ignores who threw a bottle: the picker may get its own. */
class SelfishPool extends MemoryBottleStore {
  override async take(picker: string): Promise<StoredBottle | null> {
    return super.take(`${picker}\u0000anyone`)
  }

  override async pickOf(bottleId: string) {
    const p = await super.pickOf(bottleId)
    return p && {...p, picker: p.picker.replace('\u0000anyone', '')}
  }
}

/** (g) A pool that acknowledges a throw but keeps nothing: no bottle can be picked. */
class BottomlessPool extends MemoryBottleStore {
  override async take(): Promise<StoredBottle | null> {
    return null
  }
}

export function emptyPool(o: BottleOptions): BottleService {
  return new BottleService({...o, bottles: new BottomlessPool()})
}

export function handedTwice(o: BottleOptions): BottleService {
  return new BottleService({...o, bottles: new SharedPool()})
}

export function picksOwn(o: BottleOptions): BottleService {
  return new BottleService({...o, bottles: new SelfishPool()})
}

/** (c) Replies are acknowledged but never stored in the thrower's inbox. */
export function replyNotDelivered(o: BottleOptions): BottleService {
  return new (class extends BottleService {
    override async answer(picker: string, req: {bottleId: string; clientMsgId: string; content: string}) {
      const pick = await this.bottles.pickOf(req.bottleId)
      if (!pick || pick.picker !== picker) return super.answer(picker, req)
      return {serverMsgId: `m_fake_${req.clientMsgId}`, seq: 1, sendTime: Date.now(), to: pick.thrower}
    }
  })(o)
}

/** (d) Any user may reply to a bottle once somebody picked it. */
export function anyoneReplies(o: BottleOptions): BottleService {
  return new (class extends BottleService {
    override async answer(picker: string, req: {bottleId: string; clientMsgId: string; content: string}) {
      const pick = await this.bottles.pickOf(req.bottleId)
      if (!pick) return super.answer(picker, req)
      const {reply, duplicate} = await o.store.appendMessage({from: picker, to: pick.thrower, clientMsgId: req.clientMsgId, type: 'bottle', content: req.content})
      if (!duplicate) await o.store.publish({type: 'notify', userId: pick.thrower})
      return {...reply, to: pick.thrower}
    }
  })(o)
}

/** (e) No validation: any body goes, and a reply to an unknown bottle is acknowledged. */
export function noValidation(o: BottleOptions): BottleService {
  return new (class extends BottleService {
    override async handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void> {
      const body = (parseJsonBody(frame.body) ?? {}) as Record<string, unknown>
      const userId = from.userId!
      const text = (v: unknown) => (v === undefined ? '' : String(v))
      switch (frame.cmd) {
        case CMD.BOTTLE_THROW: return reply(await this.throwBottle(userId, text(body.content)))
        case CMD.BOTTLE_PICK: return reply(await this.pick(userId))
        default: {
          const req = {bottleId: text(body.bottleId), clientMsgId: text(body.clientMsgId), content: text(body.content)}
          const pick = await this.bottles.pickOf(req.bottleId)
          if (!pick) return reply({serverMsgId: 'm_0', seq: 0, sendTime: Date.now(), to: 'nobody'})
          return reply(await this.answer(userId, req))
        }
      }
    }
  })(o)
}

/** (f) An empty pool answered with {} instead of {"bottle": null}. */
export function emptyWithoutNull(o: BottleOptions): BottleService {
  return new (class extends BottleService {
    override async handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void> {
      return super.handle(from, frame, (body) => reply(frame.cmd === CMD.BOTTLE_PICK && (body as {bottle: unknown}).bottle === null ? {} : body))
    }
  })(o)
}

export function startBottleDouble(bottle: (o: BottleOptions) => BottleService): Promise<ReferenceServer> {
  return startEmbeddedTarget({services: {bottle}})
}

import type {RemoteInfo, Socket} from 'node:dgram'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import {CMD, decodeRelay, type TalkEndReason} from '../../src/protocol/index.js'
import type {LinkPeer, ReferenceServer} from '../../reference-server/index.js'
import {talkParts} from '../../reference-server/talk/flow.js'
import {type RelayOptions, RelayService} from '../../reference-server/talk/relay.js'
import {type TalkOptions, TalkService} from '../../reference-server/talk/signalling.js'

/**
 * Broken talk targets (PROTOCOL.md §11.2, §11.3): the embedded reference server with its call
 * signalling or its relay replaced through `services.talk`, each planting one bug.
 */

/**
 * (a) A relay without the learned-address check: a datagram with a live token is handled as if it
 * came from the address its role was first learned from, so a stranger holding the token is
 * forwarded to the other party (hijack).
 */
export class AnyAddressRelay extends RelayService {
  private readonly learned = new Map<string, Pick<RemoteInfo, 'address' | 'port'>>()

  override handle(datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, socket: Socket): void {
    let key: string | undefined
    try {
      const d = decodeRelay(datagram)
      key = `${d.token}/${d.role}`
    } catch {
      // Malformed: the reference relay counts it.
    }
    if (key !== undefined && !isEcho(datagram)) {
      const first = this.learned.get(key)
      if (first) from = first
      else this.learned.set(key, from)
    }
    super.handle(datagram, from, socket)
  }
}

/** The echo flag (byte 5, bit 0): echoes go back to the real sender. */
function isEcho(datagram: Buffer): boolean {
  return datagram.length > 5 && (datagram[5]! & 1) === 1
}

/** Wraps every party link the talk service sees so that `edit` decides what each push becomes (undefined drops it). */
function editPushes(options: TalkOptions, edit: (cmd: number, body: unknown) => unknown): TalkOptions {
  return {
    ...options,
    async lookup(userId: string): Promise<LinkPeer | undefined> {
      const peer = await options.lookup(userId)
      if (!peer) return undefined
      return {
        get key() {
          return peer.key
        },
        get userId() {
          return peer.userId
        },
        push(cmd: number, body: unknown) {
          const out = edit(cmd, body)
          if (out !== undefined) peer.push(cmd, out)
        },
      }
    },
  }
}

/** (b1) Signalling that never sends TALK_ENDED "hangup" when a joined call is hung up. */
export function silentHangup(options: TalkOptions): TalkService {
  return new TalkService(editPushes(options, (cmd, body) => (cmd === CMD.TALK_ENDED && (body as {reason: string}).reason === 'hangup' ? undefined : body)))
}

/** (b2) Signalling that reports a hang-up of a joined call with the wrong reason. */
export function wrongHangupReason(reason: TalkEndReason): (options: TalkOptions) => TalkService {
  return (options) => new TalkService(editPushes(options, (cmd, body) => {
    const b = body as {callId: string; reason: string}
    return cmd === CMD.TALK_ENDED && b.reason === 'hangup' ? {...b, reason} : body
  }))
}

/** The embedded target with the talk flow's signalling or relay (or both) built by these. */
export function startTalkDouble(make: {talk?: (o: TalkOptions) => TalkService; relay?: (o: RelayOptions) => RelayService}): Promise<ReferenceServer> {
  return startEmbeddedTarget({services: {talk: (o) => talkParts(o, {signalling: make.talk, relay: make.relay})}})
}

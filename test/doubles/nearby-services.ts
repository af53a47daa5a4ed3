import type {Frame} from '../../src/protocol/index.js'
import {CMD, isImhError, parseJsonBody} from '../../src/protocol/index.js'
import type {LinkPeer, LongService, ReferenceServer} from '../../reference-server/index.js'
import {type GeoStore, MemoryGeoStore} from '../../reference-server/nearby/geo-store.js'
import {type NearbyOptions, NearbyService} from '../../reference-server/nearby/nearby-service.js'
import {type ShakeOptions, ShakeService, type Shaker, type ShakeWindow} from '../../reference-server/shake/shake-service.js'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'

/**
 * Broken nearby (PROTOCOL.md §12) and shake (§13) targets: the embedded reference server with a
 * service replaced through `services.nearby` or `services.shake`, each planting one bug.
 */

type Reply = (body: unknown) => void
type Edit = (body: Record<string, unknown>, from: LinkPeer, request: Record<string, unknown>) => unknown

/** Wraps a service so that `edit` rewrites the replies to `cmd`. */
function editReplies(inner: LongService, cmd: number, edit: Edit): LongService {
  return {
    cmds: inner.cmds,
    linkGone: inner.linkGone?.bind(inner),
    close: inner.close?.bind(inner),
    handle(from, frame, reply) {
      if (frame.cmd !== cmd) return inner.handle(from, frame, reply)
      const request = parseJsonBody(frame.body) as Record<string, unknown>
      return inner.handle(from, frame, (body) => reply(edit(body as Record<string, unknown>, from, request)))
    },
  }
}

/** NEARBY pages in reverse: farthest first. */
export const unsortedNearby = (o: NearbyOptions): LongService =>
  editReplies(new NearbyService(o), CMD.NEARBY, (b) => ({...b, people: [...(b.people as unknown[])].reverse()}))

/** NEARBY that lists the caller too, first, at distance 0. */
export const selfNearby = (o: NearbyOptions): LongService =>
  editReplies(new NearbyService(o), CMD.NEARBY, (b, from) => ({...b, people: [{userId: from.userId, nickname: '', avatarUrl: '', distanceM: 0}, ...(b.people as unknown[])]}))

/** NEARBY whose `next` points one person back, so consecutive pages overlap. */
export const overlappingPages = (o: NearbyOptions): LongService =>
  editReplies(new NearbyService(o), CMD.NEARBY, (b) => (typeof b.next === 'number' ? {...b, next: b.next - 1} : b))

/** Avatar URLs as bare paths, not absolute URLs. */
export const relativeAvatars = (o: NearbyOptions): LongService =>
  editReplies(new NearbyService(o), CMD.NEARBY, (b) => ({...b, people: (b.people as Array<{avatarUrl: string; userId: string}>).map((p) => ({...p, avatarUrl: `/avatar/${p.userId}`}))}))

/** A geo store that forgets the radius: every live position on the planet is "within". */
class RadiusBlindGeo extends MemoryGeoStore {
  override within(center: {lat: number; lon: number}, _radiusM: number) {
    return super.within(center, 2.1e7)
  }
}
export const radiusIgnored = (o: NearbyOptions): LongService => new NearbyService({...o, geo: new RadiusBlindGeo()})

/** Positions that never expire (a TTL of a day whatever is announced). */
export const expiryIgnored = (o: NearbyOptions): LongService => {
  const geo: GeoStore = o.geo
  return new NearbyService({...o, geo: {put: (u, at) => geo.put(u, at, 86_400_000), get: (u) => geo.get(u), within: (c, r) => geo.within(c, r)}})
}

/**
 * No validation: a request the reference refuses for its coordinates or for a missing position is
 * served anyway, at 0°N 0°E (what a server that reads `Number(x) || 0` does).
 */
function lenient(inner: LongService): LongService {
  return {
    cmds: inner.cmds,
    linkGone: inner.linkGone?.bind(inner),
    close: inner.close?.bind(inner),
    async handle(from, frame, reply: Reply) {
      try {
        await inner.handle(from, frame, reply)
      } catch (err) {
        if (!isImhError(err) || (err.code !== 'IMH_ERR_BAD_LOCATION' && err.code !== 'IMH_ERR_NO_POSITION')) throw err
        const body = {...(parseJsonBody(frame.body) as object), lat: 0, lon: 0}
        const patched: Frame = {...frame, body: Buffer.from(JSON.stringify(body))}
        await inner.handle(from, patched, reply)
      }
    },
  }
}
export const unvalidatedNearby = (o: NearbyOptions): LongService => lenient(new NearbyService(o))
export const unvalidatedShake = (o: ShakeOptions): LongService => lenient(new ShakeService(o))

/** Windows that stay open a minute, whatever shakeWindowMs says. */
export const neverClosing = (o: ShakeOptions): LongService => {
  const service = new ShakeService({...o, windowMs: 60_000})
  // The reply still announces the configured window, as a server with a stuck timer would.
  return editReplies(service, CMD.SHAKE, (b) => ({...b, windowMs: o.windowMs, closesInMs: Math.min(o.windowMs, b.closesInMs as number)}))
}

/** Every window also matches everyone who shook in any earlier window. */
class MixingWindows extends ShakeService {
  private readonly earlier = new Map<string, Shaker>()
  protected override shakersOf(w: ShakeWindow): Shaker[] {
    const now = super.shakersOf(w)
    const all = [...now, ...[...this.earlier.values()].filter((s) => !w.shakers.has(s.userId))]
    for (const s of now) this.earlier.set(s.userId, s)
    return all
  }
}
export const mixingWindows = (o: ShakeOptions): LongService => new MixingWindows(o)

/** A shaker is matched with itself, first, at distance 0. */
export const selfShake = (o: ShakeOptions): LongService => {
  const inner = new ShakeService(o)
  return {
    cmds: inner.cmds,
    linkGone: (p) => inner.linkGone(p),
    close: () => inner.close(),
    handle: (from, frame, reply) => inner.handle({
      key: from.key,
      userId: from.userId,
      push(cmd: number, body: unknown) {
        const b = body as {shakeId: string; matches: unknown[]}
        from.push(cmd, cmd === CMD.SHAKE_MATCH ? {...b, matches: [{userId: from.userId, nickname: '', avatarUrl: '', distanceM: 0}, ...b.matches]} : body)
      },
    }, frame, reply),
  }
}

/** A closed link stays in its window. */
export const linkStays = (o: ShakeOptions): LongService => {
  const inner = new ShakeService(o)
  return {cmds: inner.cmds, close: () => inner.close(), handle: (from, frame, reply) => inner.handle(from, frame, reply)}
}

/** SHAKE_MATCH farthest first. */
export const unsortedShake = (o: ShakeOptions): LongService => {
  const inner = new ShakeService(o)
  return {
    cmds: inner.cmds,
    linkGone: (p) => inner.linkGone(p),
    close: () => inner.close(),
    handle: (from, frame, reply) => inner.handle({
      key: from.key,
      userId: from.userId,
      push(cmd: number, body: unknown) {
        const b = body as {shakeId: string; matches: unknown[]}
        from.push(cmd, cmd === CMD.SHAKE_MATCH ? {...b, matches: [...b.matches].reverse()} : body)
      },
    }, frame, reply),
  }
}

export async function startNearbyDouble(services: {nearby?: (o: NearbyOptions) => LongService; shake?: (o: ShakeOptions) => LongService}): Promise<ReferenceServer> {
  const server = await startEmbeddedTarget({services})
  // Avatar URLs need a media group; until the server has one, a placeholder base stands in.
  if (server.groups.media.length === 0) server.groups.media.push('http://127.0.0.1:9/media')
  return server
}

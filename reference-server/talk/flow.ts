import {defineServerFlow} from '../flow.js'
import {CALLS} from './call-store.js'
import {TALK_LIMIT_SPECS} from './limits.js'
import {type RelayOptions, RelayService} from './relay.js'
import {type TalkOptions, TalkService} from './signalling.js'
import {createStunPorts} from './stun-server.js'

export interface TalkFlowOptions {
  signalling: TalkOptions
  /** The relay's token bucket per role of a call (PROTOCOL.md §11.3). */
  relay: Omit<RelayOptions, 'tokenInfo'>
}

/** The call signalling on the long link and the UDP relay that asks it about relay tokens. */
export interface TalkParts {
  signalling: TalkService
  relay: RelayService
  /** Stops telling the relay about ended calls. */
  close(): void
}

/**
 * Builds the signalling and the relay from `options`; `make` replaces either (test doubles plant
 * a bug in one and keep the other). The relay forgets a call's session when the call ends.
 */
export function talkParts(options: TalkFlowOptions, make: {signalling?: (o: TalkOptions) => TalkService; relay?: (o: RelayOptions) => RelayService} = {}): TalkParts {
  const signalling = make.signalling ? make.signalling(options.signalling) : new TalkService(options.signalling)
  const relayOptions: RelayOptions = {...options.relay, tokenInfo: (token) => signalling.tokenInfo(token)}
  const relay = make.relay ? make.relay(relayOptions) : new RelayService(relayOptions)
  const unsubscribe = signalling.onCallEnded((call) => relay.forget(call.relayToken))
  const close = (): void => {
    unsubscribe()
    relay.close()
  }
  return {signalling, relay, close}
}

/**
 * Real-time talk (PROTOCOL.md §11): STUN (§11.1) and the UDP relay (§11.3) on the relay group's
 * ports, call signalling (§11.2) on the long link.
 */
export const talkFlow = defineServerFlow({
  name: 'talk',
  limits: TALK_LIMIT_SPECS,
  stores: [CALLS],
  options: (ctx): TalkFlowOptions => ({
    signalling: {store: ctx.store, ringTimeoutMs: ctx.limits.talkRingTimeoutMs, relays: ctx.addresses('relay'), lookup: (userId) => ctx.links.lookup(userId), registry: ctx.storeOf(CALLS)},
    relay: {ratePps: ctx.limits.relayRatePps, burst: ctx.limits.relayBurst},
  }),
  create: (options): TalkParts => talkParts(options),
  long: (parts) => parts.signalling,
  udp: {
    group: 'relay',
    count: 'stunPorts',
    // One socket per port: relay datagrams go to the relay, the rest to STUN (§11.3).
    bind: (parts, at) => createStunPorts({host: at.host, ports: at.ports, relay: (msg, from, socket) => parts.relay.handle(msg, from, socket)}),
  },
  // The ports are bound before the server shows any status.
  status: (parts, stun) => ({
    /** The relay group's ports answering STUN (§11.1), and what they did. */
    stun: {ports: stun!.ports, stats: stun!.stats},
    /** The UDP relay on the same ports (§11.3): what it did, and the sessions it holds. */
    relay: {
      stats: parts.relay.stats,
      get sessions(): number {
        return parts.relay.size
      },
    },
  }),
  close: (parts) => parts.close(),
})

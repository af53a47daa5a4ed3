import {defineStore} from '../store/store-slot.js'

export interface Call {
  callId: string
  caller: string
  callee: string
  /** Keys of the links the parties had when the call was set up. */
  callerKey: string
  calleeKey: string
  state: 'ringing' | 'joined'
  relayToken: string
  createdAt: number
}

/**
 * Where calls live. In memory for one process; the interface is what a shared store (a later
 * issue spreads calls over processes) must offer. Timers stay with the service that set them.
 */
export interface CallRegistry {
  get(callId: string): Call | undefined
  /** The call a user is in (ringing or joined), if any: a user is in at most one. */
  ofUser(userId: string): Call | undefined
  /** Calls bound to one link of a user. */
  ofLink(userId: string, key: string): Call[]
  /** The live call (ringing or joined) whose relayToken this is (PROTOCOL.md §11.3). */
  byToken(relayToken: string): Call | undefined
  add(call: Call): void
  update(call: Call): void
  remove(callId: string): Call | undefined
  readonly size: number
}

export class MemoryCallRegistry implements CallRegistry {
  private readonly calls = new Map<string, Call>()
  private readonly byUser = new Map<string, string>()
  private readonly tokens = new Map<string, string>()

  get(callId: string): Call | undefined {
    return this.calls.get(callId)
  }

  ofUser(userId: string): Call | undefined {
    const id = this.byUser.get(userId)
    return id === undefined ? undefined : this.calls.get(id)
  }

  ofLink(userId: string, key: string): Call[] {
    const call = this.ofUser(userId)
    if (!call) return []
    const bound = call.caller === userId ? call.callerKey : call.calleeKey
    return bound === key ? [call] : []
  }

  byToken(relayToken: string): Call | undefined {
    const id = this.tokens.get(relayToken)
    return id === undefined ? undefined : this.calls.get(id)
  }

  add(call: Call): void {
    this.calls.set(call.callId, call)
    this.tokens.set(call.relayToken, call.callId)
    this.byUser.set(call.caller, call.callId)
    this.byUser.set(call.callee, call.callId)
  }

  update(call: Call): void {
    this.calls.set(call.callId, call)
  }

  remove(callId: string): Call | undefined {
    const call = this.calls.get(callId)
    if (!call) return undefined
    this.calls.delete(callId)
    if (this.tokens.get(call.relayToken) === callId) this.tokens.delete(call.relayToken)
    if (this.byUser.get(call.caller) === callId) this.byUser.delete(call.caller)
    if (this.byUser.get(call.callee) === callId) this.byUser.delete(call.callee)
    return call
  }

  get size(): number {
    return this.calls.size
  }
}

/** Where talk keeps its calls; one registry per server. */
export const CALLS = defineStore<CallRegistry>('calls', () => new MemoryCallRegistry())

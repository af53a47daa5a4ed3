export interface Call {
  callId: string
  caller: string
  callee: string
  /** Keys of the links the parties had when the call was set up. */
  callerKey: string
  calleeKey: string
  state: 'ringing' | 'joined'
  relayToken: string
  /** The relay group chosen at the invite: both parties get this list, whichever node serves them. */
  relays: string[]
  createdAt: number
  /** The ring time-out (ms): a shared registry lets a ringing call lapse after it even if its timer's node is gone. */
  ringTimeoutMs: number
}

/** Why `add` refused a call: a user is in at most one call (ringing or joined). */
export type AddResult = 'ok' | 'caller-busy' | 'callee-busy'

/**
 * Where calls live: in this process's memory, or in the Redis the nodes of a group share
 * (redis-call-registry.ts). Timers stay with the service that set them.
 */
export interface CallRegistry {
  get(callId: string): Promise<Call | undefined>
  /** The call a user is in (ringing or joined), if any: a user is in at most one. */
  ofUser(userId: string): Promise<Call | undefined>
  /** Calls bound to one link of a user. */
  ofLink(userId: string, key: string): Promise<Call[]>
  /** The live call (ringing or joined) whose relayToken this is (PROTOCOL.md §11.3). */
  byToken(relayToken: string): Promise<Call | undefined>
  /** Adds the call unless either party is in one already; check and add are one step. */
  add(call: Call): Promise<AddResult>
  /** The ringing `call` becomes joined on `calleeKey`; undefined when it is no longer ringing (gone, or joined already). */
  join(call: Call, calleeKey: string): Promise<Call | undefined>
  /** Removes the call; exactly one of concurrent removers gets it. */
  remove(callId: string): Promise<Call | undefined>
  /**
   * Calls `listener` with every call removed by another node (a shared registry): what a relay of
   * this node must forget. Returns the unsubscribe function.
   */
  onRemovedElsewhere?(listener: (call: Call) => void): () => void
  readonly size?: number
}

export class MemoryCallRegistry implements CallRegistry {
  private readonly calls = new Map<string, Call>()
  private readonly byUser = new Map<string, string>()
  private readonly tokens = new Map<string, string>()

  async get(callId: string): Promise<Call | undefined> {
    return this.calls.get(callId)
  }

  async ofUser(userId: string): Promise<Call | undefined> {
    const id = this.byUser.get(userId)
    return id === undefined ? undefined : this.calls.get(id)
  }

  async ofLink(userId: string, key: string): Promise<Call[]> {
    const call = await this.ofUser(userId)
    if (!call) return []
    const bound = call.caller === userId ? call.callerKey : call.calleeKey
    return bound === key ? [call] : []
  }

  async byToken(relayToken: string): Promise<Call | undefined> {
    const id = this.tokens.get(relayToken)
    return id === undefined ? undefined : this.calls.get(id)
  }

  async add(call: Call): Promise<AddResult> {
    if (this.byUser.has(call.caller)) return 'caller-busy'
    if (this.byUser.has(call.callee)) return 'callee-busy'
    this.calls.set(call.callId, call)
    this.tokens.set(call.relayToken, call.callId)
    this.byUser.set(call.caller, call.callId)
    this.byUser.set(call.callee, call.callId)
    return 'ok'
  }

  async join(ringing: Call, calleeKey: string): Promise<Call | undefined> {
    const call = this.calls.get(ringing.callId)
    if (call?.state !== 'ringing') return undefined
    const joined: Call = {...call, state: 'joined', calleeKey}
    this.calls.set(call.callId, joined)
    return joined
  }

  async remove(callId: string): Promise<Call | undefined> {
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

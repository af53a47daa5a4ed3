/** One simulated IM client; scenarios implement it, executors only decide when it runs. */
export interface VirtualUser {
  /** Closed models: act (send messages, heartbeat, …) until the signal aborts; resolve then. */
  loop(signal: AbortSignal): Promise<void>
  /** Open models: one iteration whose intended start was `intendedMs` (Clock time). */
  iterate(intendedMs: number): Promise<void>
  /** Close the client (after its loop ended); graceMs bounds any finishing work. */
  close(graceMs: number): Promise<void>
}

/** Makes the virtual users of one scenario. */
export interface VuFactory {
  /** Connect a VU with this global index (log in, open the link); may throw. */
  create(index: number, signal: AbortSignal): Promise<VirtualUser>
}

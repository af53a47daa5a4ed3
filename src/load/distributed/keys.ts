/**
 * The Redis keys of distributed runs, under one prefix (several teams or tests can share a Redis).
 * Agents: a hash each that expires unless refreshed (its heartbeat), a sorted set listing them, a
 * claim key naming the run that holds it, and a stream of jobs. Runs: a stream up (workers'
 * messages to the coordinator), a stream down (the coordinator's to workers), and the
 * coordinator's heartbeat key.
 */
export class DistributedKeys {
  constructor(readonly prefix = 'imh:') {}

  /** Sorted set of agent ids (score: when each registered), pruned of the dead by whoever lists it. */
  agents(): string {
    return `${this.prefix}agents`
  }

  /** Hash of one agent's facts (AgentInfo); it expires {@link AGENT_TTL_MS} after the last heartbeat. */
  agent(id: string): string {
    return `${this.prefix}agent:${id}`
  }

  /** The run id holding an agent; set NX by the coordinator, kept alive by the agent while it runs. */
  claim(id: string): string {
    return `${this.prefix}agent:${id}:claim`
  }

  /** Stream of jobs for one agent. */
  jobs(id: string): string {
    return `${this.prefix}agent:${id}:jobs`
  }

  up(run: string): string {
    return `${this.prefix}run:${run}:up`
  }

  down(run: string): string {
    return `${this.prefix}run:${run}:down`
  }

  /** The coordinator's heartbeat: agents abandon the run when it has expired. */
  alive(run: string): string {
    return `${this.prefix}run:${run}:alive`
  }
}

/** Heartbeats every second; a key not refreshed for this long means its owner is gone. */
export const HEARTBEAT_MS = 1000
export const AGENT_TTL_MS = 3000
/** How long the coordinator's heartbeat outlives it: agents stop their share within about this (plus a second). */
export const COORDINATOR_TTL_MS = 4000
/** A claim not yet taken up by its agent expires after this. */
export const CLAIM_TTL_MS = 10_000

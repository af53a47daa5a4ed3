import type {RedisBackend} from './redis-backend.js'

/**
 * A store a flow keeps its state in: the interface `T`, the in-memory default the reference
 * server creates when nothing else is given, and the Redis-backed one the nodes of a server group
 * share (`imh serve --redis`). A server holds one instance per slot, shared by every flow that
 * names it, so one flow can read another's state (moments asks media's uploads).
 */
export interface StoreSlot<T, K extends string = string> {
  /** Names the slot in errors. */
  readonly name: string
  /** The in-memory default, sized by the server's limits. */
  memory(limits: Readonly<Record<K, number>>): T
  /** The shared one, on the group's Redis: every slot has one, or nodes would disagree. */
  redis(backend: RedisBackend, limits: Readonly<Record<K, number>>): T
}

export function defineStore<T, K extends string = never>(
  name: string,
  memory: (limits: Readonly<Record<K, number>>) => T,
  redis: (backend: RedisBackend, limits: Readonly<Record<K, number>>) => T,
): StoreSlot<T, K> {
  return {name, memory, redis}
}

/** The instances of a server's store slots: created on first use, the given ones kept as they are. */
export class StoreInstances {
  private readonly instances = new Map<StoreSlot<unknown>, unknown>()
  private readonly created: unknown[] = []

  constructor(
    private readonly limits: Readonly<Record<string, number>>,
    /** The group's Redis: slots with a Redis implementation use it. */
    private readonly backend?: RedisBackend,
  ) {}

  /** Uses `instance` for `slot` instead of its in-memory default; the server does not close it. */
  provide<T>(slot: StoreSlot<T>, instance: T): void {
    this.instances.set(slot, instance)
  }

  get<T>(slot: StoreSlot<T>): T {
    if (!this.instances.has(slot)) {
      const instance = this.backend ? slot.redis(this.backend, this.limits) : slot.memory(this.limits)
      this.instances.set(slot, instance)
      this.created.push(instance)
    }
    return this.instances.get(slot) as T
  }

  /**
   * Waits for the instances that need it to be ready (those with a `ready`: a Redis store that
   * subscribes to its group's events before the server listens, so that no event is missed).
   */
  async ready(): Promise<void> {
    await Promise.all(this.created.map((instance) => (instance as {ready?: () => Promise<void>}).ready?.()))
  }

  /** Closes the instances this object created (those with a `close`). */
  async close(): Promise<void> {
    for (const instance of this.created.splice(0)) await (instance as {close?: () => unknown}).close?.()
  }
}

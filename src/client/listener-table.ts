import type {EventEmitter} from 'node:events'

/**
 * Drops the listener table Node's EventEmitter constructor makes while it is still empty: a
 * null-prototype object, which V8 keeps in dictionary mode, about 216 bytes with nothing in it.
 * Every EventEmitter method accepts an emitter without one and makes it on the first listener (as
 * Node does for an emitter whose constructor never ran), so a client nobody listens to — most of
 * a load worker's thousands, whose events go to an observer — carries none. Its test keeps this
 * true of the Node in use.
 */
export function dropEmptyListenerTable(emitter: EventEmitter): void {
  const e = emitter as unknown as {_events?: object; _eventsCount?: number}
  if (e._eventsCount === 0) e._events = undefined
}

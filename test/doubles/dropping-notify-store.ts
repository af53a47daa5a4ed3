import type {StoreEvent} from '../../reference-server/index.js'
import {DelegatingStore} from './delegating-store.js'

/**
 * Broken double (PROTOCOL.md §6.3): loses every second 'notify' event of each user, as a server
 * whose notify path drops pushes under load would. Messages are still stored and pullable.
 */
export class DroppingNotifyStore extends DelegatingStore {
  private readonly notifies = new Map<string, number>()
  dropped = 0

  override async publish(event: StoreEvent): Promise<void> {
    if (event.type === 'notify') {
      const n = (this.notifies.get(event.userId) ?? 0) + 1
      this.notifies.set(event.userId, n)
      if (n % 2 === 0) {
        this.dropped++
        return
      }
    }
    return this.inner.publish(event)
  }
}

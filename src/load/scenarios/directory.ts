/**
 * Global client index → user id, for chat: a client only learns its own user id when it logs in,
 * and its peer may live in another worker. Each worker publishes its own clients' ids; the
 * coordinator forwards them to every worker.
 */
export class Directory {
  private readonly ids = new Map<number, string>()

  constructor(private readonly onPublish: (entries: Array<[number, string]>) => void = () => {}) {}

  publish(index: number, userId: string): void {
    this.ids.set(index, userId)
    this.onPublish([[index, userId]])
  }

  /** Entries learnt from other workers. */
  learn(entries: Array<[number, string]>): void {
    for (const [i, id] of entries) this.ids.set(i, id)
  }

  lookup(index: number): string | undefined {
    return this.ids.get(index)
  }
}

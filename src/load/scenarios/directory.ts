/**
 * Client index → user id, for scenarios whose clients talk to each other (chat, talk, moments): a
 * client only learns its own user id when it logs in, and its peer may live in another worker.
 * Each worker publishes its own clients' ids; the coordinator forwards them to every worker.
 * Indexes count per scenario, so each scenario sees the directory through its own scope: in a
 * mixed profile, chat client 2 and talk client 2 are different users.
 */
export class Directory {
  constructor(
    private readonly onPublish: (entries: Array<[string, string]>) => void = () => {},
    private readonly ids = new Map<string, string>(),
    private readonly prefix = '',
  ) {}

  /** The same directory, with indexes of one scenario. */
  scope(scenario: string): Directory {
    return new Directory(this.onPublish, this.ids, `${this.prefix}${scenario}#`)
  }

  publish(index: number, userId: string): void {
    const key = this.prefix + index
    this.ids.set(key, userId)
    this.onPublish([[key, userId]])
  }

  /** Entries learnt from other workers (keys already scoped). */
  learn(entries: Array<[string, string]>): void {
    for (const [key, id] of entries) this.ids.set(key, id)
  }

  lookup(index: number): string | undefined {
    return this.ids.get(this.prefix + index)
  }
}

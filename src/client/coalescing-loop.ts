/**
 * Runs `round` until it answers false. A run() while a run is under way does not start a second
 * one: it asks the current run for one more round and shares its promise, so no request to run is
 * lost and no two runs overlap. SYNC pulls use it: a notify that comes during a pull is served by
 * one more pull (PROTOCOL.md §6.3).
 */
export class CoalescingLoop {
  private running: Promise<void> | undefined
  private again = false

  /** `round` must be async (never throw before its first await): a run clears itself when it ends. */
  constructor(private readonly round: () => Promise<boolean>) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.loop()
    return this.running
  }

  get busy(): boolean {
    return this.running !== undefined
  }

  private async loop(): Promise<void> {
    try {
      let more = true
      while (more) {
        this.again = false
        more = (await this.round()) || this.again
      }
    } finally {
      // Cleared in the same step that ends the loop: a run() after it starts a new run.
      this.running = undefined
    }
  }
}

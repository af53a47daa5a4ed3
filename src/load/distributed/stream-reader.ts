import type {Redis} from 'ioredis'
import {type StreamEntry, streamEntries} from './wire.js'

/**
 * Reads a Redis stream from `fromId` on a connection of its own (XREAD BLOCK holds it), handing
 * each entry to `onEntry` in order, until stop(). A stream, not pub/sub: an entry added before
 * the reader started (an init the coordinator sent before the agent picked up its job) is still
 * read, and a short Redis reconnect loses nothing (ioredis retries the read from the last id).
 */
export class StreamReader {
  private stopped = false
  private lastId: string
  private readonly loop: Promise<void>

  constructor(private readonly conn: Redis, private readonly key: string, fromId: string, private readonly onEntry: (e: StreamEntry) => void, private readonly onError: (err: Error) => void = () => {}) {
    this.lastId = fromId
    this.loop = this.run()
  }

  /** The id of the last entry read: everything up to it was handed over. */
  get position(): string {
    return this.lastId
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const reply = await this.conn.xreadBuffer('COUNT', 500, 'BLOCK', 500, 'STREAMS', this.key, this.lastId)
        for (const e of streamEntries(reply as never)) {
          this.lastId = e.id
          if (this.stopped) return
          this.onEntry(e)
        }
      } catch (err) {
        if (this.stopped) return
        this.onError(err as Error)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }

  /** Ends the loop after the read in progress (at most its 500 ms block) and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true
    this.conn.disconnect()
    await this.loop
  }
}

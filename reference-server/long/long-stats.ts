/**
 * What a node's long links did, counted where it happens and read by the metrics endpoint
 * (server-metrics.ts) when scraped: plain counts, so a node without --metrics pays a map
 * increment per frame and nothing else.
 */
export class LongStats {
  /** Frames received, by cmd. */
  readonly framesIn = new Map<number, number>()
  /** Frames sent (replies and pushes), by cmd. */
  readonly framesOut = new Map<number, number>()
  /** Error replies sent, by code. */
  readonly errors = new Map<string, number>()
  /** Told each time a client pulls a category it was notified of: ms from the notify to the SYNC. */
  onNotifyToPull: ((ms: number) => void) | undefined

  frameIn(cmd: number): void {
    this.framesIn.set(cmd, (this.framesIn.get(cmd) ?? 0) + 1)
  }

  /** `frame` is an encoded frame: its cmd is the header's third word (PROTOCOL.md §4.1). */
  frameOut(frame: Buffer): void {
    const cmd = frame.readUInt32BE(8)
    this.framesOut.set(cmd, (this.framesOut.get(cmd) ?? 0) + 1)
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }
}

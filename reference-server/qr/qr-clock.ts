/** Time as the QR login state sees it; injected so tests can run on a fake clock. */
export interface QrClock {
  now(): number
}

/** Timer functions, injected for the same reason. */
export interface QrTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const SYSTEM_CLOCK: QrClock = {now: () => Date.now()}

export const SYSTEM_TIMERS: QrTimers = {
  // Unref'd: held polls keep their sockets, and those keep the process alive on their own.
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

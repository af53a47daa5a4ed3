import type {ChildProcess} from 'node:child_process'

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Sends `signal` and waits for the exit; SIGKILL after `graceMs`. A test's server must go when
 * told: mosquitto 2.0.11 once outlived a SIGTERM after a run of reconnections, and the suite's
 * afterAll waited out its 30 s for it.
 */
export async function ended(child: ChildProcess, signal: NodeJS.Signals, graceMs = 5000): Promise<void> {
  child.kill(signal)
  let timer: NodeJS.Timeout | undefined
  await Promise.race([exited(child), new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), graceMs)))])
  clearTimeout(timer)
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await exited(child)
  }
}

/**
 * Exit codes of every `imh` command, in one place (k6's typed exit codes). Documented in the
 * README; scripts and CI branch on them, so a value never changes meaning.
 */
export const EXIT = {
  /** The run finished and everything it judged held. */
  OK: 0,
  /** conform: a case failed. load: the run itself failed (a worker crashed, the server did not start, Ctrl-C). serve: could not start. */
  FAILED: 1,
  /** A bad flag, profile or option: nothing was run. */
  USAGE: 2,
  /** load: the run completed but a threshold failed. */
  THRESHOLDS: 99,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

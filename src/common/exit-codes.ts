/**
 * Exit codes of every `imh` command, in one place (k6's typed exit codes). Documented in the
 * README; scripts and CI branch on them, so a value never changes meaning.
 */
export const EXIT = {
  /** The run finished and everything it judged held. */
  OK: 0,
  /** conform: a case failed. load: the run itself failed (a worker crashed, the server did not start, an abortOnFail threshold stopped it). serve: could not start. */
  FAILED: 1,
  /** A bad flag, profile or option: nothing was run. */
  USAGE: 2,
  /**
   * conform: the harness itself broke — a case ended in `error`, or an exception escaped every
   * case (recorded in the report's `faults`). A broken run, not a failing server: fix the harness
   * or report it; it takes precedence over FAILED. Every report is still written.
   */
  HARNESS: 3,
  /** load --distributed: an agent died or stopped reporting (named in the output; its share is marked lost in results.json), and --tolerate-agent-loss was not given. */
  AGENT_LOST: 4,
  /** Interrupted (SIGINT). conform: the cases not run are reported as `not-run`; load: the summary and results cover the part that ran. 128 + SIGINT, as shells do. */
  INTERRUPTED: 130,
  /** load: the run completed but a threshold failed. compare: a regression limit failed. */
  THRESHOLDS: 99,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

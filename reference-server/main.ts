import {EXIT} from '../src/common/exit-codes.js'
import {isImhError} from '../src/protocol/index.js'
import {parseProcessOptions} from './process-options.js'
import {StartFailure, runUntilSignal} from './run-until-signal.js'

// The reference server as a process of its own: `node dist/reference-server/main.js '<json>'`
// (host, port, publicHost, limits). It prints the same ready and stopped lines as `imh serve`,
// and exits 2 for a bad option, 1 when it cannot start.
try {
  await runUntilSignal(parseProcessOptions(process.argv[2]))
} catch (err) {
  const code = err instanceof StartFailure ? err.exit : isImhError(err, 'IMH_ERR_INVALID_OPTION') ? EXIT.USAGE : EXIT.FAILED
  // Exit now: a client that failed to connect (ioredis) may hold timers that would keep a
  // process that did not start alive for seconds.
  process.stderr.write(`${(err as Error).message}\n`, () => process.exit(code))
}

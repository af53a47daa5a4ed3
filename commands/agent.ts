import {Command, Flags} from '@oclif/core'
import {EXIT} from '../src/common/exit-codes.js'
import {LoadAgent} from '../src/load/distributed/agent.js'
import {isImhError} from '../src/protocol/index.js'

/** The agent's stdout: one JSON object per line, so that scripts and tests can follow it. */
function line(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`)
}

export default class Agent extends Command {
  static override summary = 'Run a load agent: wait in Redis for shares of distributed runs (imh load --distributed) and run them.'
  static override description = `Registers this machine in Redis (id, host, cores, free memory, open-files limit) with a heartbeat every second, then runs, one at a time, the shares of distributed runs that a coordinator (imh load --distributed) gives it, with --workers worker processes each.
Prints one JSON line when registered:
{"event":"ready","role":"agent","id":…,"host":…,"workers":…,"redis":…}
then a line per job ({"event":"job-start",…} and {"event":"job-end",…,"reason":…}). A run whose coordinator stops (its heartbeat expires) is abandoned within about 5 s. Runs until SIGINT or SIGTERM, then stops a run in progress, deregisters and exits 0.
Exit codes: 0 stopped by a signal; 1 Redis unreachable; 2 a bad flag. See docs/distributed.md.`

  static override examples = ['<%= config.bin %> agent --redis redis://10.0.0.2:6379', '<%= config.bin %> agent --redis redis://127.0.0.1:6379 --name gen-1 --workers 4']

  static override flags = {
    redis: Flags.string({description: 'redis://HOST:PORT that the coordinator and every agent share', required: true}),
    'redis-prefix': Flags.string({description: 'key prefix in that Redis (the coordinator must use the same)', default: 'imh:'}),
    name: Flags.string({description: "this agent's id, unique among the agents of the Redis (default: HOSTNAME-PID)"}),
    workers: Flags.integer({description: 'worker processes per run (default: one per core); each holds at most the open-files limit of connections', min: 1, max: 64}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Agent)
    if (!/^rediss?:\/\//.test(flags.redis)) this.error(`--redis: expected a URL like redis://127.0.0.1:6379, got "${flags.redis}"`, {exit: EXIT.USAGE})
    if (flags.name !== undefined && !/^[\w.-]{1,64}$/.test(flags.name)) this.error(`--name: letters, digits, '.', '_' or '-', at most 64, got "${flags.name}"`, {exit: EXIT.USAGE})
    const agent = new LoadAgent({url: flags.redis, prefix: flags['redis-prefix'], id: flags.name, workers: flags.workers})
    agent.on('job-start', (j) => line({event: 'job-start', ...j}))
    agent.on('job-end', (j) => line({event: 'job-end', ...j}))
    agent.on('warning', (w) => process.stderr.write(`imh agent: ${w}\n`))
    try {
      await agent.start()
    } catch (err) {
      if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.FAILED})
      throw err
    }
    const {id, host, workers} = agent.info
    line({event: 'ready', role: 'agent', id, host, workers, redis: flags.redis})
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await agent.close()
  }
}

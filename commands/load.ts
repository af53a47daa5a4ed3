import {readFile} from 'node:fs/promises'
import {Args, Command, Errors, Flags} from '@oclif/core'
import {LoadRun} from '../src/load/load-run.js'
import {validateThresholds} from '../src/load/metrics/thresholds.js'
import {reportToGithub} from '../src/common/github-actions.js'
import {ReportFileError, checkReportPath, writeReportFile} from '../src/common/report-file.js'
import {loadAnnotations, loadJobSummary} from '../src/load/outputs/github.js'
import {formatLoadHtml} from '../src/load/outputs/html-report.js'
import {formatLoadJunit} from '../src/load/outputs/junit.js'
import {LISTEN_ADDRESS_FORMAT, parseListenAddress} from '../src/common/listen-address.js'
import type {PrometheusExporter} from '../src/load/outputs/prometheus.js'
import {attachProgress} from '../src/load/outputs/progress.js'
import {toResultsJson, writeResultsJson} from '../src/load/outputs/results-json.js'
import {formatSummary} from '../src/load/outputs/summary.js'
import {applyOverrides} from '../src/load/profile/apply-overrides.js'
import {parseDuration} from '../src/load/profile/duration.js'
import {parseShard} from '../src/load/parse-shard.js'
import {listBuiltinProfiles, loadProfile} from '../src/load/profile/load-profile.js'
import type {LoadUrls} from '../src/load/scenarios/context.js'
import {needsScheduler, rateMeanings} from '../src/load/scenarios/index.js'
import type {Shard} from '../src/load/executors/share.js'
import type {Profile, ProfileOverrides, RunResult} from '../src/load/types.js'
import {checkResolverAddress} from '../src/client/dns-resolver.js'
import {LINK_TRANSPORTS, type LinkTransportKind} from '../src/client/link-transport.js'
import {EXIT, type ExitCode} from '../src/common/exit-codes.js'
import {isImhError} from '../src/protocol/index.js'
import type {SpawnedReferenceServer} from '../reference-server/process.js'
import type {AgentPool} from '../src/load/distributed/agent-pool.js'
import {BUILTIN_ADAPTER_NAMES, DEFAULT_ADAPTER, adapterSpec} from '../src/load/adapters/builtin.js'
import {type ResolvedAdapter, checkTargetScheme, resolveAdapter} from '../src/load/adapters/load-adapter.js'

/**
 * From every agent ready to the schedule's start: the start message crosses Redis to each agent
 * (a stream read, then IPC to its workers) and must arrive before the time it names.
 */
const DISTRIBUTED_START_DELAY_MS = 1000

const rate = Flags.custom<number>({
  async parse(input) {
    const n = Number(input)
    if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new Errors.CLIError(`--rate must be a number above 0 and at most 1000000, got "${input}"`, {exit: EXIT.USAGE})
    return n
  },
})

// A bad value is refused before anything starts, with the code the other option errors carry.
const shard = Flags.custom<Shard>({
  async parse(input) {
    try {
      return parseShard(input)
    } catch (err) {
      throw new Errors.CLIError(isImhError(err) ? `${err.code}: ${err.message}` : (err as Error).message, {exit: EXIT.USAGE})
    }
  },
})

/** A duration flag ('20s', '2m', '1m30s') whose errors name `--name`. */
const durationFlag = (name: string) => Flags.custom<number>({
  async parse(input) {
    try {
      return parseDuration(input, `--${name}`, 'command line')
    } catch (err) {
      throw new Errors.CLIError(`--${name}: ${(err as Error).message.replace(new RegExp(`^.*?--${name}: `), '')}`, {exit: EXIT.USAGE})
    }
  },
})
const duration = durationFlag('duration')
const agentsWait = durationFlag('agents-wait')

export default class Load extends Command {
  static override summary = 'Load-test a server with thousands of virtual clients; report HDR latencies; judge thresholds.'
  static override description = `Runs a profile (a built-in name such as smoke, chat, mixed, nearby, moments, download, ws-ping, http, or a YAML file) against --target, or against the reference server started in its own process.
Exit codes: 0 ok, 1 run error (a worker crashed, the reference server did not start, a threshold with abortOnFail stopped it, no agents), 2 usage or profile error, 4 an agent of a distributed run was lost, 99 thresholds failed, 130 interrupted (Ctrl-C; the summary and --out are still written). Errors against an unreachable target are counted by code (errors, IMH_ERR_…) and fail thresholds on them.`

  static override examples = [
    '<%= config.bin %> load smoke',
    '<%= config.bin %> load ./mine.yaml',
    '<%= config.bin %> load chat --clients 2000 --duration 20s --out r.json',
    '<%= config.bin %> load -p chat --transport tcp',
    "<%= config.bin %> load chat --threshold 'sync_latency:p(99)<50' --target http://10.0.0.5:8080/dns",
    '<%= config.bin %> load ws-ping --target ws://127.0.0.1:9000/',
    '<%= config.bin %> load flash-sale --target http://127.0.0.1:8080/dns --resolver 127.0.0.1:8090',
    '<%= config.bin %> load --profile smoke',
    '<%= config.bin %> load chat --shard 0/4 --target http://10.0.0.5:8080/dns --out shard-0.json',
  ]

  static override args = {
    profile: Args.string({description: 'built-in profile name or path of a YAML profile (or --profile)'}),
  }

  static override flags = {
    profile: Flags.string({char: 'p', description: 'built-in profile name or path of a YAML profile, as the argument gives it'}),
    target: Flags.string({description: 'scheduler URL (http[s]://host:port/dns) for protocol scenarios, ws[s]:// URL for ws-ping, http[s]:// URL for http; default: start the reference server'}),
    resolver: Flags.string({description: "host:port (UDP) of the DNS server to ask for names the scheduler does not list, such as the shop's (PROTOCOL.md §2.4, §17.1); default: the started reference server's own, else the system's resolver"}),
    clients: Flags.integer({description: 'virtual clients (peak), overriding the profile', min: 1, max: 1_000_000}),
    duration: duration({description: "run time, overriding the profile: '20s', '2m', '1m30s'"}),
    rate: rate({description: `total per second, overriding the profile: iterations (arrival-rate executors); under VU executors ${rateMeanings()}`}),
    workers: Flags.integer({description: 'worker processes generating load (default: one per core; 0: inside this process)', min: 0, max: 64}),
    shard: shard({description: "run only shard INDEX of COUNT separately started runs of the profile, e.g. 0/4 … 3/4 (each owns every COUNT-th client and iteration; chat and talk pairs stay inside a shard); join their --out files with imh merge"}),
    out: Flags.string({description: 'write the results (documented schema, docs/results-schema.md) to this JSON file'}),
    prometheus: Flags.string({description: "serve the run's live merged metrics for Prometheus at http://[HOST]:PORT/metrics while it runs, e.g. :9464 (port 0: a free one, printed)"}),
    html: Flags.string({description: 'write an HTML report with charts to this file (as imh report --html does from results.json)'}),
    junit: Flags.string({description: 'write JUnit XML to this file: a testcase per threshold, the run itself, generator saturation and the requested rate'}),
    threshold: Flags.string({description: "extra threshold 'metric:expression', e.g. 'sync_latency:p(99)<50' (repeatable)", multiple: true}),
    quiet: Flags.boolean({char: 'q', description: 'no live progress; the summary is still printed'}),
    ca: Flags.file({description: 'PEM CA certificate to trust for an https/wss target', exists: true}),
    insecure: Flags.boolean({description: 'do not verify the TLS certificate of the target'}),
    distributed: Flags.boolean({description: 'run on the load agents (imh agent) registered in --redis instead of workers on this machine: one run, merged exactly (docs/distributed.md)', dependsOn: ['redis', 'target']}),
    redis: Flags.string({description: 'redis://HOST:PORT the agents registered in (with --distributed)'}),
    'redis-prefix': Flags.string({description: 'key prefix in that Redis, as the agents were given', default: 'imh:'}),
    agents: Flags.integer({description: 'how many agents to run on (default: every idle one)', min: 1, max: 1000}),
    'agents-wait': agentsWait({description: "how long to wait for enough idle agents, e.g. '30s' (default 10s)"}),
    'tolerate-agent-loss': Flags.boolean({description: "keep going when an agent dies: its share is marked lost in the results instead of failing the run with exit code 4"}),
    adapter: Flags.string({description: `how the clients of chat, heartbeat and login-storm speak to --target: a built-in client adapter (${BUILTIN_ADAPTER_NAMES.join(', ')}) or an adapter module file such as ./my-adapter.js (docs/adapters.md); overrides the profile's options.adapter; default imh, our own protocol`}),
    transport: Flags.string({description: "the long link's transport for every protocol scenario, overriding the profile's options.transport: ws (ws://, wss://) or tcp (tcp://, tls://, the frames as a byte stream); default: the scheduler's order, ws first", options: [...LINK_TRANSPORTS]}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Load)
    if (args.profile !== undefined && flags.profile !== undefined && args.profile !== flags.profile) {
      this.error(`give the profile once: as the argument ("${args.profile}") or as --profile ("${flags.profile}")`, {exit: EXIT.USAGE})
    }
    const name = args.profile ?? flags.profile
    if (name === undefined) this.error(`name a profile: imh load NAME or imh load ./file.yaml; built-in profiles: ${listBuiltinProfiles().join(', ')}`, {exit: EXIT.USAGE})
    const overrides: ProfileOverrides = {clients: flags.clients, durationMs: flags.duration, rate: flags.rate, workers: flags.workers, thresholds: flags.threshold, transport: flags.transport as LinkTransportKind | undefined, ...(flags.adapter === undefined ? {} : {adapter: adapterSpec(flags.adapter, process.cwd())})}
    let profile: Profile
    try {
      profile = applyOverrides(await loadProfile(name), overrides)
      validateThresholds(profile.thresholds)
    } catch (err) {
      if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.USAGE})
      throw err
    }
    // Loaded now, before anything starts: a missing module, one that breaks the contract, or bad
    // adapterOptions are usage errors naming what is wrong; the workers load it again.
    let adapter: ResolvedAdapter | undefined
    if (profile.options.adapter !== undefined) {
      try {
        adapter = await resolveAdapter(profile.options.adapter, profile.options.adapterOptions, profile.file)
        if (adapter.adapter.name !== DEFAULT_ADAPTER) {
          if (!flags.target) this.error(`adapter ${adapter.adapter.name} speaks to a server of yours: give --target ${adapter.adapter.schemes.map((s) => `${s}://HOST:PORT`).join(' or ') || 'URL'}`, {exit: EXIT.USAGE})
          checkTargetScheme(adapter.adapter, flags.target)
        }
      } catch (err) {
        if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.USAGE})
        throw err
      }
    }
    const foreign = adapter !== undefined && adapter.adapter.name !== DEFAULT_ADAPTER
    let prometheusAt: {host?: string; port: number} | undefined
    try {
      if (flags.resolver !== undefined) checkResolverAddress(flags.resolver, '--resolver')
      // Before the run: a run of minutes must not end in a report that cannot be saved.
      if (flags.junit) await checkReportPath(flags.junit, '--junit')
      if (flags.html) await checkReportPath(flags.html, '--html')
      if (flags.prometheus !== undefined) {
        prometheusAt = parseListenAddress(flags.prometheus)
        if (!prometheusAt) this.error(`--prometheus: expected ${LISTEN_ADDRESS_FORMAT}, got "${flags.prometheus}"`, {exit: EXIT.USAGE})
      }
    } catch (err) {
      this.error((err as Error).message, {exit: EXIT.USAGE})
    }
    if (flags.redis !== undefined && !/^rediss?:\/\//.test(flags.redis)) this.error(`--redis: expected a URL like redis://127.0.0.1:6379, got "${flags.redis}"`, {exit: EXIT.USAGE})
    for (const f of ['agents', 'agents-wait', 'tolerate-agent-loss'] as const) {
      if (flags[f] !== undefined && flags[f] !== false && !flags.distributed) this.error(`--${f} applies to distributed runs only: add --distributed --redis URL`, {exit: EXIT.USAGE})
    }
    if (flags.distributed && flags.shard) this.error('give --shard or --distributed, not both: a distributed run splits the profile over its agents itself', {exit: EXIT.USAGE})
    let agentPool: AgentPool | undefined
    if (flags.distributed) {
      // Imported only here: ioredis stays out of every local run's coordinator.
      const {AgentPool} = await import('../src/load/distributed/agent-pool.js')
      try {
        agentPool = await AgentPool.claim({url: flags.redis!, prefix: flags['redis-prefix'], agents: flags.agents, waitMs: flags['agents-wait'] ?? 10_000})
      } catch (err) {
        if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.FAILED})
        throw err
      }
      const list = agentPool.claimed.map((a, i) => `${a.id} (${a.host}, ${a.workers} worker${a.workers === 1 ? '' : 's'}, share ${i}/${agentPool!.claimed.length})`)
      process.stdout.write(`agents: ${list.join(', ')}\n`)
    }
    let server: SpawnedReferenceServer | undefined
    let urls: LoadUrls
    let target: string
    if (flags.target) {
      urls = foreign ? {target: flags.target} : {...urlsForTarget(flags.target, (m) => this.error(m, {exit: EXIT.USAGE})), target: flags.target}
      target = flags.target
      if (flags.resolver !== undefined) urls.resolver = flags.resolver
      const missing = profile.scenarios.find((s) => needsScheduler(s.scenario, profile.options.adapter) && !urls.scheduler)
      if (missing) this.error(`scenario ${missing.name} (${missing.scenario}) speaks the protocol and needs a scheduler URL: --target http://HOST:PORT/dns`, {exit: EXIT.USAGE})
    } else {
      try {
        // Imported only here: a run against --target keeps the reference server's modules out of the coordinator.
        const {spawnReferenceServer} = await import('../reference-server/process.js')
        server = await spawnReferenceServer()
      } catch (err) {
        this.error(`could not start the reference server: ${(err as Error).message}`, {exit: EXIT.FAILED})
      }
      urls = {scheduler: server.urls.scheduler, ws: server.urls.long, http: server.urls.scheduler, resolver: flags.resolver ?? server.resolver}
      target = server.urls.scheduler
    }
    const tls = {ca: flags.ca ? await readFile(flags.ca, 'utf8') : undefined, rejectUnauthorized: flags.insecure ? false : undefined}
    let result: RunResult
    let interrupted = false
    let exporter: PrometheusExporter | undefined
    try {
      const pool = agentPool
      const run = new LoadRun({
        profile, urls, target, embeddedServer: !flags.target, overrides, tls, ...(flags.shard ? {shard: flags.shard} : {}),
        ...(pool ? {pool: (events) => pool.start(events, profile), tolerateAgentLoss: flags['tolerate-agent-loss'], startDelayMs: DISTRIBUTED_START_DELAY_MS} : {}),
      })
      attachProgress(run, {stream: process.stdout, quiet: flags.quiet})
      if (prometheusAt) {
        // Imported only here: prom-client stays out of every run that does not export.
        const {PrometheusExporter} = await import('../src/load/outputs/prometheus.js')
        exporter = new PrometheusExporter(run)
        try {
          const at = await exporter.listen(prometheusAt.host, prometheusAt.port)
          process.stdout.write(`prometheus metrics on http://${at.family === 'IPv6' ? `[${at.address}]` : at.address}:${at.port}/metrics\n`)
        } catch (err) {
          this.error((err as Error).message, {exit: EXIT.FAILED})
        }
      }
      const onSignal = (): void => {
        interrupted = true
        run.interrupt('interrupted by the user')
      }
      process.once('SIGINT', onSignal)
      result = await run.run()
      process.off('SIGINT', onSignal)
    } finally {
      await exporter?.close()
      await server?.close()
      await agentPool?.close()
    }
    process.stdout.write(`\n${formatSummary(result, {color: Boolean(process.stdout.isTTY)})}\n`)
    if (flags.out) {
      await writeResultsJson(flags.out, result)
      process.stdout.write(`results written to ${flags.out}\n`)
    }
    try {
      if (flags.junit) {
        await writeReportFile(flags.junit, formatLoadJunit(result), '--junit')
        process.stdout.write(`JUnit written to ${flags.junit}\n`)
      }
      if (flags.html) {
        await writeReportFile(flags.html, formatLoadHtml([{label: 'run', results: toResultsJson(result)}]), '--html')
        process.stdout.write(`HTML report written to ${flags.html}\n`)
      }
    } catch (err) {
      if (err instanceof ReportFileError) this.error(err.message, {exit: EXIT.USAGE})
      throw err
    }
    // Under GitHub Actions: the summary on the job's page, failed thresholds as annotations.
    await reportToGithub(loadJobSummary(result), loadAnnotations(result))
    const code = exitCodeFor(result, interrupted)
    if (code !== 0) this.exit(code)
  }
}

/** The exit code of a run: Ctrl-C first (as imh conform), then a run error, failed thresholds, an abort. */
export function exitCodeFor(result: RunResult, interrupted = false): ExitCode {
  if (interrupted) return EXIT.INTERRUPTED
  if (result.runError?.code === 'IMH_ERR_AGENT_LOST') return EXIT.AGENT_LOST
  if (result.runError) return EXIT.FAILED
  if (result.thresholds.some((t) => !t.ok)) return EXIT.THRESHOLDS
  if (result.aborted) return EXIT.FAILED
  return EXIT.OK
}

function urlsForTarget(target: string, usage: (m: string) => never): LoadUrls {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return usage(`--target must be a URL (http://HOST:PORT/dns, ws://…, http://…), got "${target}"`)
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return {ws: target}
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return usage(`--target: unsupported scheme ${url.protocol}; use http(s):// or ws(s)://`)
  // A bare host means the scheduler's well-known path, as for imh conform.
  const scheduler = url.pathname === '/' ? new URL('/dns', url).toString() : target
  return {scheduler, http: target}
}

/** The command alone, for bin/run.js: `imh load` starts without importing the other commands. */
export const LOAD_COMMAND = {load: Load}

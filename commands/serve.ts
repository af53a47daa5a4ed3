import {readFile} from 'node:fs/promises'
import {Command, Flags} from '@oclif/core'
import {EXIT} from '../src/common/exit-codes.js'
import {LISTEN_ADDRESS_FORMAT, parseListenAddress} from '../src/common/listen-address.js'
import {type ReferenceServerOptions, SERVER_FLOWS} from '../reference-server/index.js'
import {StartFailure, runUntilSignal} from '../reference-server/run-until-signal.js'
import {runGroupUntilSignal} from '../reference-server/cluster/run-group.js'
import {ADDRESS_FLAGS as A, FLOWS_FLAG, GROUP_FLAGS as G, GROUP_NAMES, LIMIT_FLAGS, SERVED_FLOWS, limitsFromFlags, readyLineShape, serveFlagHelp} from '../reference-server/serve-flags.js'

// Every limit flag is derived from its LimitSpec: name, range and the help's default and unit.
const limitFlags = Object.fromEntries(LIMIT_FLAGS.map((f) => [f.name, Flags.integer({description: serveFlagHelp(f), min: f.min, max: f.max})]))

export default class Serve extends Command {
  static override summary = `Run the reference server: every flow of PROTOCOL.md (${SERVED_FLOWS}) in one process.`
  static override description = `When every group listens it prints one JSON line on stdout:
${readyLineShape()}
("dns": its DNS server for the names the scheduler does not list, PROTOCOL.md §2.4)
and runs until SIGINT or SIGTERM, then closes every connection and exits 0.
Exit codes: 0 stopped by a signal; 1 could not start; 2 a bad flag.`

  static override examples = ['<%= config.bin %> serve --redis redis://127.0.0.1:6379 --nodes 3', '<%= config.bin %> serve', '<%= config.bin %> serve --port 8080', '<%= config.bin %> serve --idle-timeout 1500 --handshake-timeout 1000', '<%= config.bin %> serve --flows core,qr']

  static override flags = {
    // No oclif defaults: the help states them, and the server applies them.
    host: Flags.string({description: serveFlagHelp(A.host)}),
    port: Flags.integer({description: serveFlagHelp(A.port), min: A.port.min, max: A.port.max}),
    'public-host': Flags.string({description: serveFlagHelp(A['public-host'])}),
    'tls-cert': Flags.file({description: serveFlagHelp(A['tls-cert']), exists: true, dependsOn: ['tls-key']}),
    'tls-key': Flags.file({description: serveFlagHelp(A['tls-key']), exists: true, dependsOn: ['tls-cert']}),
    flows: Flags.string({description: serveFlagHelp(FLOWS_FLAG), multiple: true, delimiter: ',', options: SERVER_FLOWS.map((f) => f.name)}),
    metrics: Flags.string({description: serveFlagHelp(A.metrics)}),
    redis: Flags.string({description: serveFlagHelp(G.redis)}),
    'redis-prefix': Flags.string({description: serveFlagHelp(G['redis-prefix']), dependsOn: ['redis']}),
    nodes: Flags.integer({description: serveFlagHelp(G.nodes), min: G.nodes.min, max: G.nodes.max}),
    groups: Flags.string({description: serveFlagHelp(G.groups), multiple: true, delimiter: ',', options: [...GROUP_NAMES]}),
    ...limitFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const tls = flags['tls-cert'] && flags['tls-key'] ? {cert: await readFile(flags['tls-cert']), key: await readFile(flags['tls-key'])} : undefined
    const metrics = flags.metrics === undefined ? undefined : parseListenAddress(flags.metrics)
    if (flags.metrics !== undefined && !metrics) this.error(`--metrics: expected ${LISTEN_ADDRESS_FORMAT}, got "${flags.metrics}"`, {exit: EXIT.USAGE})
    const nodes = flags.nodes ?? G.nodes.default
    if (flags.redis !== undefined && !/^rediss?:\/\//.test(flags.redis)) this.error(`--redis: expected a URL like redis://127.0.0.1:6379, got "${flags.redis}"`, {exit: EXIT.USAGE})
    const redis = flags.redis === undefined ? undefined : {url: flags.redis, prefix: flags['redis-prefix'] ?? G['redis-prefix'].default}
    if (nodes > 1 && !redis) this.error(`--nodes ${nodes} needs --redis: the nodes of a group share their state in Redis`, {exit: EXIT.USAGE})
    const options: ReferenceServerOptions = {host: flags.host, port: flags.port, publicHost: flags['public-host'], tls, limits: limitsFromFlags(flags), flows: flags.flows, metrics, redis, groups: flags.groups}
    try {
      if (nodes > 1) {
        const pem = tls ? {tls: {cert: tls.cert.toString(), key: tls.key.toString()}} : {}
        await runGroupUntilSignal(nodes, {host: flags.host, port: flags.port, publicHost: flags['public-host'], limits: options.limits, flows: flags.flows, groups: flags.groups, metrics, redis: redis!, ...pem})
      } else await runUntilSignal(options)
    } catch (err) {
      if (err instanceof StartFailure) this.error(err.message, {exit: err.exit})
      throw err
    }
  }
}

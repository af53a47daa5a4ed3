import {readFile} from 'node:fs/promises'
import {Command, Flags} from '@oclif/core'
import {type ReferenceServer, type ServerLimits, startReferenceServer} from '../reference-server/index.js'
import {isImhError} from '../src/protocol/index.js'

export default class Serve extends Command {
  static override summary = 'Run the reference server: scheduler, short link, long link, QR login, the media group and STUN on the relay group in one process.'
  static override description = `When every group listens it prints one JSON line on stdout:
{"event":"ready","scheduler":"http://HOST:PORT/dns","short":…,"long":…,"qr":…,"media":…,"relay":["udp://HOST:PORT",…],"groups":{…}}
and runs until SIGINT or SIGTERM, then closes every connection and exits 0.`

  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 8080', '<%= config.bin %> serve --idle-timeout 1500 --handshake-timeout 1000']

  static override flags = {
    host: Flags.string({description: 'address to bind', default: '127.0.0.1'}),
    port: Flags.integer({description: 'scheduler port; short, long, qr and media take the next four, STUN the --stun-ports after. 0: ephemeral ports', default: 0, min: 0, max: 65531}),
    'public-host': Flags.string({description: 'host name the scheduler hands out (default: the bound host; 127.0.0.1 for a wildcard)'}),
    'tls-cert': Flags.file({description: 'PEM certificate: serve HTTPS and WSS', exists: true, dependsOn: ['tls-key']}),
    'tls-key': Flags.file({description: 'PEM private key for --tls-cert', exists: true, dependsOn: ['tls-cert']}),
    'handshake-timeout': Flags.integer({description: 'ms a new long link has to send AUTH', min: 50, max: 600_000}),
    'idle-timeout': Flags.integer({description: 'ms without a frame before a long link is closed', min: 100, max: 3_600_000}),
    'heartbeat-interval': Flags.integer({description: 'ms between heartbeats, announced to clients', min: 50, max: 3_600_000}),
    'max-body': Flags.integer({description: 'largest long-link frame body in bytes', min: 1024, max: 1_048_576}),
    'sync-page': Flags.integer({description: 'default SYNC page size', min: 1, max: 1000}),
    'qr-ttl': Flags.integer({description: 'seconds a QR login code stays valid', min: 1, max: 86_400}),
    'qr-hold': Flags.integer({description: 'ms a QR check poll is held before it answers 408', min: 100, max: 120_000}),
    'stun-ports': Flags.integer({description: 'UDP ports of the relay group answering STUN Binding requests', min: 1, max: 16}),
    'relay-rate-pps': Flags.integer({description: 'relay datagrams per second one role of one call may send (token bucket refill)', min: 1, max: 100_000}),
    'relay-burst': Flags.integer({description: 'relay token bucket size: datagrams one role of one call may send at once', min: 1, max: 100_000}),
    'ring-timeout': Flags.integer({description: 'ms a call rings before it ends with reason "timeout"', min: 100, max: 300_000}),
    'position-ttl': Flags.integer({description: 'ms a reported position stays live for nearby and shake (default 600000)', min: 100, max: 86_400_000}),
    'shake-window': Flags.integer({description: 'ms after a window\'s first shake during which shakes are matched together (default 3000)', min: 100, max: 60_000}),
    'media-max-upload': Flags.integer({description: 'largest upload the media group accepts, bytes (default 2097152)', min: 1024, max: 64 * 1024 * 1024}),
    'download-size': Flags.integer({description: 'size of the media group\'s game download object, bytes (default 33554432)', min: 1, max: 1024 * 1024 * 1024}),
  }

  private server: ReferenceServer | undefined

  async run(): Promise<void> {
    const {flags} = await this.parse(Serve)
    const limits: Partial<ServerLimits> = {
      handshakeTimeoutMs: flags['handshake-timeout'],
      idleTimeoutMs: flags['idle-timeout'],
      heartbeatIntervalMs: flags['heartbeat-interval'],
      maxBodyBytes: flags['max-body'],
      syncPageDefault: flags['sync-page'],
      qrTtlSeconds: flags['qr-ttl'],
      qrHoldMs: flags['qr-hold'],
      stunPorts: flags['stun-ports'],
      relayRatePps: flags['relay-rate-pps'],
      relayBurst: flags['relay-burst'],
      talkRingTimeoutMs: flags['ring-timeout'],
      positionTtlMs: flags['position-ttl'],
      shakeWindowMs: flags['shake-window'],
      mediaMaxUploadBytes: flags['media-max-upload'],
      downloadBytes: flags['download-size'],
    }
    const tls = flags['tls-cert'] && flags['tls-key'] ? {cert: await readFile(flags['tls-cert']), key: await readFile(flags['tls-key'])} : undefined
    try {
      this.server = await startReferenceServer({host: flags.host, port: flags.port, publicHost: flags['public-host'], tls, limits})
    } catch (err) {
      if (isImhError(err, 'IMH_ERR_INVALID_OPTION')) this.error(err.message, {exit: 2})
      this.error(`could not start: ${(err as Error).message}`, {exit: 1})
    }
    const s = this.server
    process.stdout.write(`${JSON.stringify({event: 'ready', scheduler: s.urls.scheduler, short: s.urls.short, long: s.urls.long, qr: s.urls.qr, media: s.urls.media, relay: s.groups.relay, groups: s.groups, pid: process.pid})}\n`)
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    await s.close()
    process.stdout.write(`${JSON.stringify({event: 'stopped', signal})}\n`)
  }
}

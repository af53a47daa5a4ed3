import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {ended} from './child-exit.js'
import {freePort} from './free-port.js'

/** Debian's mosquitto, which the tests start with a config of their own (no system service). */
export const MOSQUITTO = '/usr/sbin/mosquitto'
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd'
export const haveMosquitto = existsSync(MOSQUITTO)
/** Under CI=true a missing mosquitto fails the MQTT tests instead of skipping them. */
export const mosquittoRequired = process.env.CI === 'true'
/** Whether a file's MQTT tests run: `describe.runIf(mosquittoTests)`; outside CI a missing broker skips loudly. */
export const mosquittoTests = haveMosquitto || mosquittoRequired

/** Says loudly, once per test file, that its MQTT tests are skipped (outside CI only). */
export function warnIfNoMosquitto(what: string): void {
  if (!haveMosquitto && !mosquittoRequired) console.warn(`\n*** SKIPPING ${what}: ${MOSQUITTO} not found (apt-get install mosquitto); CI requires it ***\n`)
}

export interface MosquittoOptions {
  /** Accounts (username → password): anonymous clients are then refused (allow_anonymous false). */
  users?: Record<string, string>
  /**
   * Listen with TLS (`mqtts://`), a self-signed certificate for 127.0.0.1 made with openssl; the
   * broker's `ca` is that certificate.
   */
  tls?: boolean
  /** More config lines (e.g. `max_inflight_messages 100`). */
  config?: readonly string[]
}

export interface TestMosquitto {
  url: string
  port: number
  /** With `tls`: the PEM certificate to trust. */
  ca?: string
  readonly pid: number
  /** Stops the broker with `signal` (SIGKILL: a crash); `start` brings it back on the same port. */
  kill(signal?: NodeJS.Signals): Promise<void>
  start(): Promise<void>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

/** The broker's config: one loopback listener, nothing kept on disk (a restart forgets every session). */
function writeConfig(dir: string, port: number, options: MosquittoOptions): string {
  // Run as root, mosquitto switches to user mosquitto, which cannot read the password file in our
  // private temp directory: stay the user we are.
  const lines = [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information']
  if (options.users) {
    const file = join(dir, 'passwd')
    writeFileSync(file, '')
    for (const [user, password] of Object.entries(options.users)) execFileSync(MOSQUITTO_PASSWD, ['-b', file, user, password], {stdio: 'ignore'})
    lines.push('allow_anonymous false', `password_file ${file}`)
  } else {
    lines.push('allow_anonymous true')
  }
  if (options.tls) lines.push(`certfile ${join(dir, 'cert.pem')}`, `keyfile ${join(dir, 'key.pem')}`)
  lines.push(...(options.config ?? []))
  const config = join(dir, 'mosquitto.conf')
  writeFileSync(config, lines.join('\n') + '\n')
  return config
}

/** Spawns mosquitto; resolves once it listens (its notice line), rejects if it exits first. */
function spawnMosquitto(config: string, port: number): Promise<ChildProcess> {
  const child = spawn(MOSQUITTO, ['-c', config], {stdio: ['ignore', 'ignore', 'pipe']})
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (/mosquitto version \S+ running/.test(output)) {
        child.stderr!.off('data', onData)
        child.stderr!.resume()
        resolve(child)
      }
    }
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`)))
    child.once('error', reject)
  })
}

/**
 * Starts a mosquitto of the test's own on a free loopback port, its config in a temp directory.
 * Throws when mosquitto is missing (callers gate on `mosquittoTests`, so only under CI).
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  if (!haveMosquitto) throw new Error(`${MOSQUITTO} is required in CI (apt-get install mosquitto)`)
  const dir = mkdtempSync(join(tmpdir(), 'imh-mosquitto-'))
  if (options.tls) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], {stdio: 'ignore'})
  }
  let child: ChildProcess | undefined
  let port = 0
  let config = ''
  // A port found free may be taken before mosquitto binds it: try again on another.
  for (let attempt = 0; !child; attempt++) {
    port = await freePort()
    config = writeConfig(dir, port, options)
    try {
      child = await spawnMosquitto(config, port)
    } catch (err) {
      if (attempt >= 4) {
        rmSync(dir, {recursive: true, force: true})
        throw err
      }
    }
  }
  let current: ChildProcess = child
  return {
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    ca: options.tls ? readFileSync(join(dir, 'cert.pem'), 'utf8') : undefined,
    get pid() {
      return current.pid!
    },
    async kill(signal = 'SIGKILL') {
      await ended(current, signal)
    },
    async start() {
      current = await spawnMosquitto(config, port)
    },
    async stop() {
      await ended(current, 'SIGTERM')
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {ended, exited} from './child-exit.js'
import {freePort} from './free-port.js'

/** Debian's prosody (0.12), which the tests start in the foreground with a config of their own. */
export const PROSODY = '/usr/bin/prosody'
export const PROSODYCTL = '/usr/bin/prosodyctl'
export const haveProsody = existsSync(PROSODY) && existsSync(PROSODYCTL)
/** Under CI=true a missing prosody fails the XMPP tests instead of skipping them. */
export const prosodyRequired = process.env.CI === 'true'
/** Whether a file's Prosody tests run: `describe.runIf(prosodyTests)`; outside CI a missing prosody skips loudly. */
export const prosodyTests = haveProsody || prosodyRequired

/** Says loudly, once per test file, that its Prosody tests are skipped (outside CI only). */
export function warnIfNoProsody(what: string): void {
  if (!haveProsody && !prosodyRequired) console.warn(`\n*** SKIPPING ${what}: ${PROSODY} not found (apt-get install prosody); CI requires it ***\n`)
}

const run = promisify(execFile)

export interface TestProsody {
  /** `xmpp://127.0.0.1:PORT`, the adapter's `--target`. */
  target: string
  port: number
  /** The one VirtualHost, the accounts' domain. */
  domain: string
  dir: string
  config: string
  readonly pid: number
  /** One account with `prosodyctl register` (a process each: ~50 ms). */
  register(username: string, password: string): Promise<void>
  /**
   * `n` accounts `usernameOf(0..n-1)` with `password`, fast: one `prosodyctl shell` session (the
   * running server's admin socket, mod_admin_shell) fed a `user:create` per account, ~0.6 ms each
   * against ~50 ms for a `prosodyctl register` process each. Throws unless every one was created.
   */
  createAccounts(n: number, usernameOf: (index: number) => string, password: string): Promise<void>
  /** Signals the process (SIGSTOP/SIGCONT freeze and thaw it). */
  signal(sig: NodeJS.Signals): void
  /** SIGKILL, as a crash; `start` again brings it back on the same port with the same accounts. */
  kill(): Promise<void>
  start(): Promise<void>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

/** The server config: c2s on loopback only, no TLS, s2s, HTTP or rate limits; SM, ping, offline storage. */
export function prosodyConfig(dir: string, port: number, domain: string): string {
  return `-- written by test/support/prosody.ts
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
certificates = "${dir}/certs"
admin_socket = "${dir}/admin.sock"
run_as_root = true
daemonize = false
log = { warn = "${dir}/prosody.log" }
c2s_ports = { ${port} }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
s2s_interfaces = {}
http_ports = {}
https_ports = {}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
-- In-band registration (XEP-0077) for the adapter's register option; with neither
-- min_seconds_between_registrations nor registration_throttle_max set, mod_register_limits throttles nothing.
allow_registration = true
c2s_stanza_size_limit = 1024 * 1024
modules_enabled = { "roster", "saslauth", "disco", "ping", "offline", "smacks", "register", "admin_shell", "presence", "message", "iq" }
modules_disabled = { "s2s", "limits", "tls", "c2s_limits", "http", "bosh", "websocket", "posix" }
smacks_hibernation_time = 10
VirtualHost "${domain}"
`
}

/** Spawns prosody in the foreground; resolves when c2s listens on `port`, rejects if it exits first. */
function spawnProsody(config: string, port: number): Promise<ChildProcess> {
  const child = spawn(PROSODY, ['--config', config, '-F'], {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`prosody exited (${code}) on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`)))
    child.once('error', reject)
    // It logs only warnings (to its file): ready is when c2s accepts a connection.
    const deadline = Date.now() + 15_000
    const probe = async (): Promise<void> => {
      while (child.exitCode === null) {
        if (await accepts(port)) return resolve(child)
        if (Date.now() > deadline) {
          child.kill('SIGKILL')
          return reject(new Error(`prosody did not listen on ${port} within 15 s: ${output}`))
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    void probe()
  })
}

async function accepts(port: number): Promise<boolean> {
  const {connect} = await import('node:net')
  return new Promise((resolve) => {
    const s = connect({port, host: '127.0.0.1'})
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/** Starts a prosody of the test's own on a free port. Throws when prosody is missing (callers gate on `prosodyTests`). */
export async function startProsody(domain = 'localhost'): Promise<TestProsody> {
  if (!haveProsody) throw new Error(`${PROSODY} is required in CI (apt-get install prosody)`)
  const dir = mkdtempSync(join(tmpdir(), 'imh-prosody-'))
  mkdirSync(join(dir, 'data'))
  mkdirSync(join(dir, 'certs'))
  const config = join(dir, 'prosody.cfg.lua')
  let child: ChildProcess | undefined
  let port = 0
  // A port found free may be taken before prosody binds it: try a few.
  for (let attempt = 0; !child; attempt++) {
    port = await freePort()
    writeFileSync(config, prosodyConfig(dir, port, domain))
    try {
      child = await spawnProsody(config, port)
    } catch (err) {
      if (attempt >= 4) throw err
    }
  }
  let current: ChildProcess = child
  return {
    target: `xmpp://127.0.0.1:${port}`,
    port,
    domain,
    dir,
    config,
    get pid() {
      return current.pid!
    },
    async register(username, password) {
      await run(PROSODYCTL, ['--config', config, 'register', username, domain, password])
    },
    async createAccounts(n, usernameOf, password) {
      const lua = (s: string): string => JSON.stringify(s)
      const lines = Array.from({length: n}, (_, i) => `user:create(${lua(`${usernameOf(i)}@${domain}`)}, ${lua(password)})\n`).join('')
      const out = await new Promise<string>((resolve, reject) => {
        const shell = spawn(PROSODYCTL, ['--config', config, 'shell'], {stdio: ['pipe', 'pipe', 'pipe']})
        let text = ''
        shell.stdout.on('data', (c: Buffer) => void (text += c.toString()))
        shell.stderr.on('data', (c: Buffer) => void (text += c.toString()))
        shell.once('error', reject)
        shell.once('exit', () => resolve(text))
        shell.stdin.end(lines)
      })
      const created = out.split('OK: User created').length - 1
      if (created !== n) throw new Error(`prosodyctl shell created ${created} of ${n} accounts: ${out.slice(-500)}`)
    },
    signal(sig) {
      current.kill(sig)
    },
    async kill() {
      current.kill('SIGKILL')
      await exited(current)
    },
    async start() {
      current = await spawnProsody(config, port)
    },
    async stop() {
      current.kill('SIGCONT')
      await ended(current, 'SIGTERM')
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

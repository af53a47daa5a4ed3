import {type ChildProcess, spawn} from 'node:child_process'
import {afterAll, beforeAll} from 'vitest'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {exited} from './child-exit.js'
import {freePort} from './free-port.js'

/** Debian's redis-server, which the tests start on a free port of their own (no system service). */
export const REDIS_SERVER = '/usr/bin/redis-server'
export const haveRedis = existsSync(REDIS_SERVER)
/** Under CI=true a missing redis-server fails the Redis tests instead of skipping them. */
export const redisRequired = process.env.CI === 'true'
/** Whether a file's Redis tests run: `describe.runIf(redisTests)`; outside CI a missing Redis skips loudly. */
export const redisTests = haveRedis || redisRequired

/** Says loudly, once per test file, that its Redis tests are skipped (outside CI only). */
export function warnIfNoRedis(what: string): void {
  if (!haveRedis && !redisRequired) console.warn(`\n*** SKIPPING ${what}: ${REDIS_SERVER} not found (apt-get install redis-server); CI requires it ***\n`)
}

export interface RedisOptions {
  /** Turn on the append-only file with this fsync policy; default: no persistence at all. */
  appendfsync?: 'always' | 'everysec'
  /**
   * Addresses to listen on; the URL names the first. Default ['127.0.0.1']. E.g. a namespace set's
   * hub address (test/support/netns.ts), so that agents inside the namespaces reach it.
   */
  bind?: readonly string[]
}

const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address)
const bindAddresses = (options: RedisOptions): string[] => [...new Set(options.bind?.length ? options.bind : ['127.0.0.1'])]

export interface TestRedis {
  url: string
  port: number
  /** The data directory (the AOF when persistence is on). */
  dir: string
  readonly pid: number
  /** SIGKILL, as a crash; `start` again brings it back on the same port and directory. */
  kill(): Promise<void>
  start(): Promise<void>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

/** Spawns redis-server on `port`; resolves when it accepts connections, rejects if it exits first. */
function spawnRedis(port: number, dir: string, options: RedisOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', ...bindAddresses(options), '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'notice']
  // Protected mode answers DENIED to any client not on loopback; the other addresses a test binds
  // are its namespaces' (reachable from nothing else), so it is off for them.
  if (bindAddresses(options).some((a) => !a.startsWith('127.') && a !== '::1')) args.push('--protected-mode', 'no')
  args.push(...(options.appendfsync ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync] : ['--appendonly', 'no']))
  const child = spawn(REDIS_SERVER, args, {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        child.stderr!.resume()
        resolve(child)
      }
    }
    // At loglevel warning the ready line is not printed; verbose enough to see it without noise.
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`)))
    child.once('error', reject)
  })
}

/**
 * Starts a redis-server of the test's own on a free port. Throws when redis-server is missing
 * (callers gate on `redisTests`, so that happens only under CI, as a failure).
 */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  if (!haveRedis) throw new Error(`${REDIS_SERVER} is required in CI (apt-get install redis-server)`)
  const dir = mkdtempSync(join(tmpdir(), 'imh-redis-'))
  let child: ChildProcess | undefined
  let port = 0
  // A port found free may be taken before redis binds it: try a few.
  for (let attempt = 0; !child; attempt++) {
    port = await freePort()
    try {
      child = await spawnRedis(port, dir, {...options})
    } catch (err) {
      if (attempt >= 4) throw err
    }
  }
  let current: ChildProcess = child
  return {
    url: `redis://${urlHost(bindAddresses(options)[0]!)}:${port}`,
    port,
    dir,
    get pid() {
      return current.pid!
    },
    async kill() {
      current.kill('SIGKILL')
      await exited(current)
    },
    async start() {
      current = await spawnRedis(port, dir, options)
    },
    async stop() {
      current.kill('SIGTERM')
      await exited(current)
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/**
 * A redis-server for the enclosing describe block: started before its first test, stopped after
 * its last. Read `.current` inside tests.
 */
export function useRedis(options: RedisOptions = {}): {readonly current: TestRedis} {
  const holder: {current: TestRedis} = {current: undefined as unknown as TestRedis}
  beforeAll(async () => {
    holder.current = await startRedis(options)
  })
  afterAll(async () => {
    await holder.current?.stop()
  })
  return holder
}

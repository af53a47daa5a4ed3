import {type ChildProcess, type SpawnOptions, execFile, execFileSync, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

/**
 * Several "hosts" on one machine for the distributed tests (issue 15): N network namespaces, each
 * joined to the host by a veth pair on a /30 of its own. Processes inside a namespace see only its
 * veth and `lo`; what they reach is the host side of the pair (and, through a route of the block,
 * every host-side address of the set), so traffic goes only to loopback or to these namespaces.
 *
 * Without the privileges (CAP_NET_ADMIN and CAP_SYS_ADMIN, `ip` from Debian's iproute2) the set
 * falls back to plain processes on loopback, and says so on the console with the reason.
 */

const run = promisify(execFile)
const IP = 'ip'

/**
 * Addresses come from 198.18.0.0/15 (RFC 2544, set aside for benchmarking network devices, so not
 * a range a LAN or a cluster uses), cut into /26 blocks of 16 /30s: one block per set, reserved
 * through a lock directory so that parallel test files never take the same one.
 */
const BASE = (198 << 24) | (18 << 16)
const BLOCKS = 2048
const BLOCK_SIZE = 64
/** Per set: 16 /30s fit a /26. */
export const MAX_NAMESPACES = BLOCK_SIZE / 4
const LOCKS = join(tmpdir(), 'imh-netns-blocks')

/** One "host": a network namespace, or in the fallback a plain process on loopback. */
export interface Namespace {
  index: number
  /** The namespace's name (`imh-PID-BLOCK-I`); in the fallback `loopback-I`. */
  name: string
  /** The namespace's own address (its end of the veth); in the fallback a distinct 127.0.0.x. */
  address: string
  /** The host's end of this namespace's pair: a host listener bound here is reachable from inside. */
  hostAddress: string
  /** Starts `command args` inside the namespace (`ip netns exec`); the child is the command itself. */
  exec(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess
}

export interface NamespaceSet {
  /** false: the fallback (plain processes on loopback); `reason` says why. */
  namespaced: boolean
  reason?: string
  namespaces: Namespace[]
  /**
   * One host address every namespace reaches (the host side of namespace 0; each namespace routes
   * the set's block through its own pair): where to bind Redis and the target server, and what to
   * advertise. 127.0.0.1 in the fallback.
   */
  hubAddress: string
  /** Kills what runs inside, deletes the namespaces and veths, frees the block. Idempotent. */
  cleanup(): Promise<void>
}

export interface NamespaceOptions {
  /** Use the fallback even where namespaces work (to test it); also IMH_NETNS=off in the environment. */
  fallback?: boolean
}

const ip4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
const parseIp4 = (s: string): number => s.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0)

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function ipSync(args: readonly string[]): string {
  try {
    return execFileSync(IP, args, {stdio: ['ignore', 'pipe', 'ignore']}).toString()
  } catch {
    return ''
  }
}

/** Kills every process in namespace `name`, then deletes it (a namespace with processes left would outlive its name, veth included). */
function deleteNamespaceSync(name: string): void {
  for (const pid of ipSync(['netns', 'pids', name]).split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {}
  }
  ipSync(['netns', 'del', name])
}

// Host-side veth names: `imh` + pid in base 36 + `-` block + `-` index: at most 14 characters (IFNAMSIZ 16 with the NUL).
const hostIfName = (block: number, i: number): string => `imh${process.pid.toString(36)}-${block.toString(36)}-${i}`
const HOST_IF = /^imh([0-9a-z]+)-[0-9a-z]+-\d+$/
const NS_NAME = /^imh-(\d+)-\d+-\d+$/

/** Removes namespaces, veths and block locks left by processes that died before cleaning up (SIGKILL, a crashed test worker). */
export function sweepStale(): void {
  for (const line of ipSync(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const m = NS_NAME.exec(name)
    if (m && !alive(Number(m[1]))) deleteNamespaceSync(name)
  }
  for (const line of ipSync(['-o', 'link', 'show', 'type', 'veth']).split('\n')) {
    const name = /^\d+:\s*([^:@\s]+)/.exec(line)?.[1] ?? ''
    const m = HOST_IF.exec(name)
    if (m && !alive(Number.parseInt(m[1]!, 36))) ipSync(['link', 'del', name])
  }
  let entries: string[] = []
  try {
    entries = readdirSync(LOCKS)
  } catch {}
  for (const e of entries) {
    const owner = Number(readText(join(LOCKS, e, 'pid')))
    if (!owner || !alive(owner)) rmSync(join(LOCKS, e), {recursive: true, force: true})
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** The IPv4 prefixes the host already routes or holds: a block overlapping one is not taken. */
function hostPrefixes(): Array<[number, number]> {
  const text = ipSync(['-4', '-o', 'addr', 'show']) + ipSync(['-4', 'route', 'show', 'table', 'all'])
  const out: Array<[number, number]> = []
  for (const m of text.matchAll(/(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
    const bits = m[2] === undefined ? 32 : Number(m[2])
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
    out.push([(parseIp4(m[1]!) & mask) >>> 0, mask])
  }
  return out
}

function overlaps(start: number, size: number, prefixes: Array<[number, number]>): boolean {
  return prefixes.some(([net, mask]) => {
    const end = (net | (~mask >>> 0)) >>> 0
    return !(end < start || net > start + size - 1) && mask !== 0
  })
}

/** Reserves a free block (lock directory holding this pid), starting from one picked by the pid. */
function reserveBlock(): number {
  mkdirSync(LOCKS, {recursive: true})
  const prefixes = hostPrefixes()
  for (let k = 0; k < BLOCKS; k++) {
    const block = (process.pid + k) % BLOCKS
    if (overlaps(BASE + block * BLOCK_SIZE, BLOCK_SIZE, prefixes)) continue
    try {
      mkdirSync(join(LOCKS, String(block)))
    } catch {
      continue
    }
    writeFileSync(join(LOCKS, String(block), 'pid'), String(process.pid))
    return block
  }
  throw new Error('no free 198.18.0.0/15 block for network namespaces')
}

let probe: Promise<{available: boolean; reason?: string}> | undefined

/**
 * Whether this process can create namespaces with veth pairs (probed once: a namespace and a pair
 * made and deleted), and if not, why.
 */
export function probeNetns(): Promise<{available: boolean; reason?: string}> {
  probe ??= (async () => {
    if (process.platform !== 'linux') return {available: false, reason: `network namespaces are Linux only (this is ${process.platform})`}
    const name = `imh-${process.pid}-probe`
    const hostIf = `imh${process.pid.toString(36)}-p`
    try {
      await run(IP, ['netns', 'add', name])
      await run(IP, ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name])
      await run(IP, ['netns', 'exec', name, IP, 'link', 'set', 'lo', 'up'])
      return {available: true}
    } catch (err) {
      const e = err as {code?: string; stderr?: string; message: string}
      const why = e.code === 'ENOENT' ? `\`${IP}\` not found (apt-get install iproute2)` : (e.stderr || e.message).trim().split('\n')[0]!
      return {available: false, reason: `${why} (uid ${process.getuid?.()}; needs root or CAP_NET_ADMIN+CAP_SYS_ADMIN)`}
    } finally {
      ipSync(['link', 'del', hostIf])
      ipSync(['netns', 'del', name])
    }
  })()
  return probe
}

/** Whether namespaces can be created here (probed once). */
export async function netnsAvailable(): Promise<boolean> {
  return (await probeNetns()).available
}

const live = new Set<NamespaceSet>()
let exitHooked = false

function cleanupAllSync(): void {
  for (const set of live) (set as NamespaceSet & {cleanupSync(): void}).cleanupSync()
}

/** Cleans up on exit and on SIGINT/SIGTERM (then dies of the signal as it would have). */
function hookExit(): void {
  if (exitHooked) return
  exitHooked = true
  process.once('exit', cleanupAllSync)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      cleanupAllSync()
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    }
    process.once(sig, onSignal)
  }
}

function fallbackSet(n: number, reason: string): NamespaceSet {
  console.warn(`\n*** NETWORK NAMESPACES UNAVAILABLE: ${reason}. FALLING BACK to ${n} plain processes on loopback (127.0.0.2…); the "hosts" share this machine's network stack ***\n`)
  const children = new Set<ChildProcess>()
  const namespaces = Array.from({length: n}, (_, i): Namespace => ({
    index: i,
    name: `loopback-${i}`,
    address: `127.0.0.${2 + i}`,
    hostAddress: '127.0.0.1',
    exec(command, args, options = {}) {
      const child = spawn(command, args, options)
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    },
  }))
  const kill = (): void => {
    for (const c of children) c.kill('SIGKILL')
  }
  const set: NamespaceSet & {cleanupSync(): void} = {
    namespaced: false, reason, namespaces, hubAddress: '127.0.0.1', cleanupSync: kill,
    async cleanup() {
      kill()
      live.delete(set)
    },
  }
  live.add(set)
  hookExit()
  return set
}

/**
 * Creates `n` namespaces (at most MAX_NAMESPACES), or the fallback when they cannot be made. Call
 * `cleanup()` when done (an exit of this process cleans up too; a later call sweeps what a killed
 * process left).
 */
export async function createNamespaces(n: number, options: NamespaceOptions = {}): Promise<NamespaceSet> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NAMESPACES) throw new Error(`createNamespaces: 1 to ${MAX_NAMESPACES} namespaces, got ${n}`)
  if (options.fallback || process.env.IMH_NETNS === 'off') return fallbackSet(n, options.fallback ? 'fallback asked for by the test' : 'IMH_NETNS=off')
  const probed = await probeNetns()
  if (!probed.available) return fallbackSet(n, probed.reason!)
  sweepStale()
  hookExit()
  const block = reserveBlock()
  const start = BASE + block * BLOCK_SIZE
  const made: Array<{name: string; hostIf: string}> = []
  const lock = join(LOCKS, String(block))
  let closed = false
  const cleanupSync = (): void => {
    if (closed) return
    closed = true
    for (const m of made) {
      deleteNamespaceSync(m.name)
      ipSync(['link', 'del', m.hostIf])
    }
    rmSync(lock, {recursive: true, force: true})
    live.delete(set)
  }
  const set: NamespaceSet & {cleanupSync(): void} = {
    namespaced: true,
    namespaces: [],
    hubAddress: ip4(start + 1),
    cleanupSync,
    async cleanup() {
      cleanupSync()
    },
  }
  live.add(set)
  const blockCidr = `${ip4(start)}/26`
  try {
    for (let i = 0; i < n; i++) {
      const name = `imh-${process.pid}-${block}-${i}`
      const hostIf = hostIfName(block, i)
      const hostAddress = ip4(start + 4 * i + 1)
      const address = ip4(start + 4 * i + 2)
      made.push({name, hostIf})
      await run(IP, ['netns', 'add', name])
      await run(IP, ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name])
      await run(IP, ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf])
      await run(IP, ['link', 'set', hostIf, 'up'])
      const inside = (...args: string[]): Promise<unknown> => run(IP, ['netns', 'exec', name, IP, ...args])
      await inside('link', 'set', 'lo', 'up')
      await inside('addr', 'add', `${address}/30`, 'dev', 'eth0')
      await inside('link', 'set', 'eth0', 'up')
      // The rest of the block (the other host-side addresses, the hub among them) through this pair; nothing else is routed.
      await inside('route', 'add', blockCidr, 'via', hostAddress)
      set.namespaces.push({
        index: i, name, address, hostAddress,
        exec: (command, args, spawnOptions = {}) => spawn(IP, ['netns', 'exec', name, command, ...args], spawnOptions),
      })
    }
  } catch (err) {
    cleanupSync()
    throw err
  }
  return set
}

/** What of ours (this pid's) exists now: namespace names and host-side veth names; for tests of the cleanup. */
export function leftovers(pid = process.pid): {namespaces: string[]; links: string[]} {
  const namespaces = ipSync(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`imh-${pid}-`))
  const links = ipSync(['-o', 'link', 'show']).split('\n').map((l) => /^\d+:\s*([^:@\s]+)/.exec(l)?.[1] ?? '').filter((n) => n.startsWith(`imh${pid.toString(36)}-`))
  return {namespaces, links}
}

/** What a child started with `exec` printed and its exit code; SIGKILLed and rejected after `ms`. */
export function finished(child: ChildProcess, ms: number): Promise<{code: number | null; stdout: string; stderr: string}> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => (stdout += d))
  child.stderr?.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no exit in ${ms} ms: ${stderr}`))
    }, ms)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

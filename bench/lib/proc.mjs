// Helpers shared by the benchmarks: reading /proc (Linux only), spawning `imh load`, arguments.
import {spawn} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {setTimeout as sleep} from 'node:timers/promises'

const CLK_TCK = 100

/** pid → ppid for every process we can read. */
function parentMap() {
  const map = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // The comm field may hold spaces and parentheses: parse after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      map.set(Number(name), Number(rest[1]))
    } catch {
      // gone meanwhile
    }
  }
  return map
}

/** The pid and all its descendants. */
export function processTree(rootPid) {
  const parents = parentMap()
  const tree = [rootPid]
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid)
  }
  return tree
}

/** RSS (kB), CPU seconds (user+system), open fd count and the command line of one process; undefined when gone. */
export function processInfo(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuS = (Number(rest[11]) + Number(rest[12])) / CLK_TCK
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    // Counting only (no readlink per fd): the sampler shares the machine with the run it measures.
    const fds = readdirSync(`/proc/${pid}/fd`).length
    return {pid, rssKb, cpuS, fds, cmdline}
  } catch {
    return undefined
  }
}

/**
 * CPU seconds of a process (`own`: utime+stime) and of its children it has waited for
 * (`children`: cutime+cstime), or undefined when it is gone. `children` is exact for workers that
 * came and went between two reads, which a sampler of the live tree misses; `self` for this process.
 */
export function cpuTimesS(pid = 'self') {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {own: (Number(rest[11]) + Number(rest[12])) / CLK_TCK, children: (Number(rest[13]) + Number(rest[14])) / CLK_TCK}
  } catch {
    return undefined
  }
}

/** The soft and hard "Max open files" of a process. */
export function fdLimits(pid = 'self') {
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))
  return {soft: Number(m?.[1]), hard: Number(m?.[2])}
}

export function portRange() {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    return {low: lo, high: hi, ports: hi - lo + 1}
  } catch {
    return undefined
  }
}

/**
 * TCP sockets on loopback by state, from /proc/net/tcp (IPv4). With `perLocalAddress`, also the
 * most sockets (any state) on one local IP address other than 127.0.0.1 (`maxPerSourceAddress`):
 * a source address binds before it connects, so its ephemeral ports are shared by every destination.
 */
export function tcpStates({perLocalAddress = false} = {}) {
  const names = {'01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING'}
  const counts = {}
  const byLocal = new Map()
  try {
    const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    for (const line of lines) {
      const cols = line.trim().split(/\s+/)
      const st = cols[3]
      if (!st) continue
      const name = names[st] ?? st
      counts[name] = (counts[name] ?? 0) + 1
      if (perLocalAddress && st !== '0A') {
        const ip = cols[1].slice(0, 8)
        if (ip !== '0100007F') byLocal.set(ip, (byLocal.get(ip) ?? 0) + 1)
      }
    }
  } catch {
    // not Linux
  }
  if (perLocalAddress) counts.maxPerSourceAddress = Math.max(0, ...byLocal.values())
  return counts
}

/** MemAvailable and MemTotal in MB, from /proc/meminfo. */
export function memInfoMb() {
  try {
    const s = readFileSync('/proc/meminfo', 'utf8')
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN)
    return {availableMb: Math.round(kb('MemAvailable') / 1024), totalMb: Math.round(kb('MemTotal') / 1024)}
  } catch {
    return undefined
  }
}

/** `--name value` and `--flag` arguments. */
export function parseArgs(argv, spec) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const key = a.slice(2)
    if (!(key in spec)) throw new Error(`unknown option --${key}; known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`)
    if (spec[key] === 'boolean') out[key] = true
    else {
      const v = argv[++i]
      if (v === undefined) throw new Error(`--${key} needs a value`)
      out[key] = spec[key] === 'number' ? Number(v) : v
      if (spec[key] === 'number' && !Number.isFinite(out[key])) throw new Error(`--${key} must be a number, got ${v}`)
    }
  }
  return out
}

/**
 * Runs `node bin/run.js load …` in its own process group; resolves with its exit code, signal and
 * output tail. Killed (the whole group, which we started) after timeoutMs.
 */
export function runImhLoad(args, {cwd, timeoutMs, onSpawn}) {
  const child = spawn(process.execPath, ['bin/run.js', 'load', ...args], {cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  const keep = (d) => {
    output = (output + d).slice(-20_000)
  }
  child.stdout.setEncoding('utf8').on('data', keep)
  child.stderr.setEncoding('utf8').on('data', keep)
  onSpawn?.(child.pid)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, timeoutMs)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, timedOut, output})
    })
  })
}

export const round = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? x : Math.round(x * 10 ** d) / 10 ** d)

/** Starts a node child that prints a JSON `{event: 'ready', …}` line; resolves with that line and a stop(). */
export async function startReadyChild(argv, what, cwd, {timeoutMs = 15_000, onLine} = {}) {
  const child = spawn(process.execPath, argv, {cwd, stdio: ['ignore', 'pipe', 'inherit']})
  const lines = createInterface({input: child.stdout})
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s`)), timeoutMs)
    lines.on('line', (line) => {
      try {
        const m = JSON.parse(line)
        if (m.event === 'ready') {
          clearTimeout(timer)
          resolve(m)
        } else onLine?.(m)
      } catch {
        // not ours
      }
    })
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before ready`)))
  })
  return {
    ready,
    pid: child.pid,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

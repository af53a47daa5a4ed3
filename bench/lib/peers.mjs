// Helpers for the bench/peers/*.mjs jobs: installing a peer tool on first use (npm into the
// git-ignored scratch folder with --ignore-scripts, Debian packages with apt-get) and sampling
// the summed RSS / CPU of a tool's process tree.
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {processInfo, processTree} from './proc.mjs'

/** The path of an executable on PATH, or undefined. */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'})
  return r.status === 0 ? r.stdout.trim() : undefined
}

/**
 * Installs npm package `spec` (e.g. 'artillery@2') into scratch/node_modules once, install scripts
 * off (Artillery's would download a browser). Resolves with the path of its bin `bin`.
 */
export async function npmTool(scratch, spec, bin, log) {
  const binPath = join(scratch, 'node_modules/.bin', bin)
  if (existsSync(binPath)) return binPath
  // Our own package.json keeps npm from walking up into the project's.
  if (!existsSync(join(scratch, 'package.json'))) writeFileSync(join(scratch, 'package.json'), '{"name":"imh-bench-peers","private":true}\n')
  log?.(`installing ${spec} into ${scratch} (first use)`)
  const r = await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', spec], {cwd: scratch, timeoutMs: 600_000})
  if (r.code !== 0 || !existsSync(binPath)) throw new Error(`npm install ${spec} failed (${r.code}): ${r.output.slice(-500)}`)
  return binPath
}

/** Makes `cmd` available from Debian package `pkg`; resolves with its path, or {error} saying why not. */
export async function aptTool(pkg, cmd, log) {
  const have = which(cmd)
  if (have) return {path: have}
  if (!which('apt-get')) return {error: `${cmd} not found and no apt-get to install ${pkg}`}
  log?.(`apt-get install -y ${pkg} (first use)`)
  const r = await run('apt-get', ['install', '-y', pkg], {env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}, timeoutMs: 600_000})
  const path = which(cmd)
  return path ? {path} : {error: `apt-get install ${pkg} failed (${r.code}): ${r.output.slice(-300)}`}
}

/** Runs a command to its end (bounded by timeoutMs, then killed); resolves with code and output tail. */
export function run(cmd, argv, {cwd, env, timeoutMs = 60_000} = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const keep = (d) => (output = (output + d).slice(-20_000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      resolve({code: -1, output: err.message})
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? signal, output})
    })
  })
}

/**
 * Samples the process trees under `rootPids()` every `everyMs`: peak of the summed RSS, CPU
 * seconds (user + system) of every process seen, and the process count at the peak. A process
 * that ended between samples keeps its last CPU figure.
 */
export function treeSampler(rootPids, everyMs = 500) {
  let peakKb = 0
  let peakProcesses = 0
  let peakEach = []
  const cpu = new Map()
  const sample = () => {
    let kb = 0
    let n = 0
    const each = []
    for (const root of rootPids()) {
      for (const pid of processTree(root)) {
        const info = processInfo(pid)
        if (!info) continue
        kb += info.rssKb
        n++
        each.push(Math.round(info.rssKb / 102.4) / 10)
        cpu.set(pid, info.cpuS)
      }
    }
    if (kb > peakKb) {
      peakKb = kb
      peakProcesses = n
      peakEach = each
    }
    return kb
  }
  const timer = setInterval(sample, everyMs)
  return {
    sample,
    /** Stops sampling; the figures so far. */
    stop() {
      clearInterval(timer)
      return {peakRssMb: Math.round(peakKb / 102.4) / 10, peakRssKb: peakKb, processesAtPeak: peakProcesses, rssMbEachAtPeak: peakEach, cpuSeconds: Math.round([...cpu.values()].reduce((a, b) => a + b, 0) * 100) / 100}
    },
  }
}

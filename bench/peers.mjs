#!/usr/bin/env node
// bench/peers.mjs: imh beside its peers, one run per job. Each job is a module in bench/peers/
// (idle.mjs: idle WebSocket connections vs Artillery and Tsung; http.mjs: HTTP requests/s vs wrk
// and autocannon) and writes its part of bench/results/peers.json; a job that is not run keeps its
// last result there.
//
//   npm run bench:peers                      # every job, full size
//   npm run bench:peers -- --quick           # every job, short and small
//   npm run bench:peers -- --only idle       # one job (comma-separated names)
//
// The job contract (bench/peers/<name>.mjs):
//   export default {name: 'idle', async run(opts) { … return {…} }}
// opts: {root, scratch (bench/.peers, git-ignored: peers installed there on first use), quick
// (boolean), log(line)}. run() returns a plain JSON-able object (its figures and what each tool
// measured); a throw is recorded as {error} for that job and the other jobs still run. Every load
// loop a job starts is bounded in time; a job ends every process it started.
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parseArgs} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {quick: 'boolean', only: 'string', out: 'string'})
const outFile = args.out ?? join(root, 'bench/results/peers.json')
const scratch = join(root, 'bench/.peers')
mkdirSync(scratch, {recursive: true})

const jobDir = join(root, 'bench/peers')
const jobs = []
for (const file of readdirSync(jobDir).filter((f) => f.endsWith('.mjs')).sort()) {
  const job = (await import(pathToFileURL(join(jobDir, file)).href)).default
  if (!job?.name || typeof job.run !== 'function') throw new Error(`bench/peers/${file}: expected export default {name, async run(opts)}`)
  jobs.push(job)
}
const wanted = args.only?.split(',').map((s) => s.trim())
const unknown = wanted?.filter((n) => !jobs.some((j) => j.name === n)) ?? []
if (unknown.length) {
  console.error(`bench:peers: no job ${unknown.join(', ')}; jobs: ${jobs.map((j) => j.name).join(', ')}`)
  process.exit(2)
}

let previous = {}
try {
  previous = JSON.parse(readFileSync(outFile, 'utf8'))
} catch {
  // first run
}
const out = {
  benchmark: 'peers',
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version, platform: process.platform},
  jobs: {...previous.jobs},
}
let failed = false
for (const job of jobs) {
  if (wanted && !wanted.includes(job.name)) continue
  const log = (line) => console.log(`[${job.name}] ${line}`)
  log(`start${args.quick ? ' (quick)' : ''}`)
  const t0 = performance.now()
  let result
  try {
    result = await job.run({root, scratch, quick: Boolean(args.quick), log})
  } catch (err) {
    failed = true
    result = {error: err instanceof Error ? err.message : String(err)}
    log(`failed: ${result.error}`)
  }
  out.jobs[job.name] = {date: new Date().toISOString(), quick: Boolean(args.quick), wallSeconds: Math.round((performance.now() - t0) / 100) / 10, ...result}
  // Written after each job so that a later job's crash keeps the earlier figures.
  mkdirSync(dirname(outFile), {recursive: true})
  writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`)
}
console.log(`written to ${outFile.startsWith(`${root}/`) ? outFile.slice(root.length + 1) : outFile}`)
if (failed) process.exitCode = 1

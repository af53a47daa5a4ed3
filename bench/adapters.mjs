#!/usr/bin/env node
// bench/adapters.mjs: what one generator machine drives per protocol (issue 17). For our own
// protocol against the reference server (the same run's baseline) and each real server — Mosquitto (adapter mqtt, QoS 1), Prosody (xmpp, stream-management acks) and the JSON
// chat server of the tests (json-ws, acks) — `imh load` runs --clients chatting clients in pairs
// for --hold s, each sending its peer --message-rate messages a second, and the bench reports:
// delivered messages per second, sync latency p50/p99 (send → the peer holds it), the generator's
// RSS per client and its CPU per delivered message (coordinator + workers), the server's CPU per
// message, lost and duplicates. The servers are started exactly as the tests start them: the
// bench bundles test/support/{mosquitto,prosody,json-chat-server}.ts with rolldown (the bundler
// the build already uses), so there is one way to start each.
//
// RSS per client: the workers' summed RSS (median of the hold's second half) of the run, less that
// of a run of 2 clients of the same adapter (the workers' modules, runtime and run state: measured
// in the same bench, just before), divided by the clients added. CPU: seconds used from start to
// end of the run (connecting, the hold, the drain), per delivered message.
//
//   npm run bench:adapters                                  # 2,000 clients, 30 s, every server
//   node bench/adapters.mjs --clients 200 --hold 10 --adapters mqtt    # a small trial
//
// Options: --clients N (2000), --hold S (30), --message-rate R (0.5), --adapters imh,mqtt,xmpp,json-ws,
// --workers N (2), --out FILE (bench/results/adapters.json), --imh DIR (run `imh load` of another
// checkout, e.g. one from before adapters existed: the imh row then compares the two; its profile
// names no adapter, which both understand).
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import {build} from 'rolldown'
import {parseArgs, processInfo, processTree, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = {clients: 2000, hold: 30, 'message-rate': 0.5, adapters: 'imh,mqtt,xmpp,json-ws', workers: 2, out: join(root, 'bench/results/adapters.json'), imh: root,
  ...parseArgs(process.argv.slice(2), {clients: 'number', hold: 'number', 'message-rate': 'number', adapters: 'string', workers: 'number', out: 'string', imh: 'string'})}
const clients = Number(args.clients)
const holdS = Number(args.hold)
const work = mkdtempSync(join(tmpdir(), 'imh-bench-adapters-'))

/** The tests' server supports, bundled to plain ES modules this script can import. */
async function supports() {
  // Inside the package, so that the bundles' imports (ws) resolve from its node_modules.
  const out = join(root, 'node_modules/.cache/imh-bench-adapters')
  await build({
    input: {mosquitto: join(root, 'test/support/mosquitto.ts'), prosody: join(root, 'test/support/prosody.ts'), 'json-chat-server': join(root, 'test/support/json-chat-server.ts')},
    platform: 'node',
    external: ['ws'],
    output: {dir: out, format: 'esm', entryFileNames: '[name].mjs'},
    logLevel: 'silent',
  })
  const load = (name) => import(pathToFileURL(join(out, `${name}.mjs`)).href)
  return {mosquitto: await load('mosquitto'), prosody: await load('prosody'), jsonChat: join(out, 'json-chat-server.mjs')}
}

/** The JSON chat server in a process of its own, so that its CPU is its own. */
async function startJsonChatChild(modulePath) {
  const code = `import {startJsonChatServer, CHAT_OPTIONS} from ${JSON.stringify(pathToFileURL(modulePath).href)}
const s = await startJsonChatServer(); s.knobs.presence = false; console.log(JSON.stringify({url: s.url, options: CHAT_OPTIONS}))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {stdio: ['ignore', 'pipe', 'inherit']})
  const line = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d)))
    child.once('exit', (c) => reject(new Error(`json chat server exited ${c}`)))
  })
  const {url, options} = JSON.parse(line)
  return {url, options, pid: child.pid, stop: async () => void child.kill('SIGTERM')}
}

/** Each server: how to start it, and the adapter and options that speak to it. */
const SERVERS = {
  // The baseline of the same run: our own protocol against the reference server (core flow, a
  // cheap password hash so that logging in measures the protocol, as bench:transport does).
  async imh() {
    const server = await startReadyChild(['bin/run.js', 'serve', '--port', '0', '--flows', 'core', '--password-cost', '4'], 'imh serve', root)
    return {target: server.ready.scheduler, pid: server.pid, adapter: 'imh', options: {}, server: 'imh serve (reference server)', stop: () => server.stop()}
  },
  async mqtt(s) {
    const broker = await s.mosquitto.startMosquitto({config: ['max_inflight_messages 0', 'max_queued_messages 100000']})
    return {target: broker.url, pid: broker.pid, adapter: 'mqtt', options: {qos: 1}, server: 'mosquitto', stop: () => broker.stop()}
  },
  async xmpp(s) {
    const server = await s.prosody.startProsody()
    await server.createAccounts(clients, (i) => `load${i}`, 'load-secret')
    return {target: server.target, pid: server.pid, adapter: 'xmpp', options: {domain: server.domain, username: 'load{index}', password: 'load-secret'}, server: 'prosody', stop: () => server.stop()}
  },
  async 'json-ws'(s) {
    const server = await startJsonChatChild(s.jsonChat)
    return {target: server.url, pid: server.pid, adapter: 'json-ws', options: server.options, server: 'json-chat-server (node, ws)', stop: () => server.stop()}
  },
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.floor(s.length / 2)] : 0
}

async function runOne(name, s, clients, holdS) {
  const srv = await SERVERS[name](s)
  const profile = join(work, `${name}.yaml`)
  writeFileSync(profile, [
    `options: {${srv.adapter === 'imh' ? '' : `adapter: ${srv.adapter}, adapterOptions: ${JSON.stringify(srv.options)}, `}drain: 5s, workers: ${args.workers}, rampConcurrency: 50}`,
    'scenarios:',
    `  pairs: {scenario: chat, executor: constant-vus, vus: ${clients}, duration: ${holdS}s, messageRate: ${args['message-rate']}, heartbeatInterval: 30s}`,
  ].join('\n') + '\n')
  const out = join(work, `${name}.json`)
  const serverCpu0 = processInfo(srv.pid)?.cpuS ?? 0
  const child = spawn(process.execPath, [join(resolve(args.imh), 'bin/run.js'), 'load', profile, '--target', srv.target, '--out', out, '-q'], {stdio: ['ignore', 'ignore', 'inherit']})
  const samples = []
  const exited = new Promise((r) => child.once('exit', r))
  let done = false
  void exited.then(() => (done = true))
  const t0 = Date.now()
  let cpuS = 0
  while (!done) {
    const tree = processTree(child.pid).map(processInfo).filter(Boolean)
    const workers = tree.filter((p) => p.pid !== child.pid)
    cpuS = Math.max(cpuS, tree.reduce((a, p) => a + p.cpuS, 0))
    samples.push({atS: (Date.now() - t0) / 1000, workersRssKb: workers.reduce((a, p) => a + p.rssKb, 0), workers: workers.length})
    await sleep(500)
  }
  const code = await exited
  const serverCpuS = (processInfo(srv.pid)?.cpuS ?? 0) - serverCpu0
  await srv.stop()
  const r = JSON.parse(readFileSync(out, 'utf8'))
  const withWorkers = samples.filter((x) => x.workers >= Number(args.workers))
  const steady = withWorkers.filter((x) => x.atS >= withWorkers[0].atS + holdS / 2 && x.atS <= withWorkers[0].atS + holdS)
  const c = r.counters
  const sync = r.metrics.sync_latency ?? {}
  return {
    adapter: name, server: srv.server, options: srv.options.qos !== undefined ? {qos: srv.options.qos} : {}, exitCode: code,
    clients, holdS, messageRatePerClient: Number(args['message-rate']),
    sent: c.sent, acked: c.acked, delivered: c.delivered, lost: c.lost, duplicates: c.duplicates, duplicatesAllowed: c.duplicates_allowed, errors: c.errors,
    deliveredPerS: round(c.delivered / (r.meta.durationMs / 1000), 1),
    syncP50Ms: round(sync.p50, 2), syncP99Ms: round(sync.p99, 2),
    workersRssKb: median(steady.map((x) => x.workersRssKb)),
    generatorCpuPerMessageUs: round((cpuS / c.delivered) * 1e6, 1),
    serverCpuPerMessageUs: round((serverCpuS / c.delivered) * 1e6, 1),
    generatorSaturated: r.saturation?.flagged ?? false,
  }
}

const s = await supports()
const results = []
for (const name of String(args.adapters).split(',')) {
  process.stderr.write(`${name}: ${clients} clients, ${holdS} s …\n`)
  const idle = await runOne(name, s, 2, 10)
  const one = await runOne(name, s, clients, holdS)
  one.generatorRssPerClientKb = round((one.workersRssKb - idle.workersRssKb) / (clients - 2), 2)
  one.idleWorkersRssKb = idle.workersRssKb
  results.push(one)
  process.stderr.write(`${JSON.stringify(one)}\n`)
}
const doc = {
  bench: 'adapters',
  when: new Date().toISOString(),
  machine: {cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemoryMb: Math.round(totalmem() / 2 ** 20), loadavgAtEnd: loadavg()},
  results,
}
mkdirSync(dirname(args.out), {recursive: true})
writeFileSync(args.out, JSON.stringify(doc, null, 2) + '\n')
console.log(JSON.stringify(doc, null, 2))

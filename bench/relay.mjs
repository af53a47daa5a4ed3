#!/usr/bin/env node
// bench/relay.mjs: how many datagrams per second does the reference relay (PROTOCOL.md §11.3)
// forward, and with what one-way latency, beside a plain UDP forwarder measured in the same run?
//
// Both targets run in a child process on 127.0.0.1:
//   relay: `node bin/run.js serve --port 0 --stun-ports 1 --relay-rate-pps 100000 --relay-burst 100000`,
//          a call set up over the long link (TALK_INVITE → TALK_RING → TALK_JOIN) with two
//          VirtualClients of dist/src/client;
//   raw:   bench/lib/udp-forward.mjs, which learns the two senders and forwards unchanged.
// In this process two loopback UDP sockets, each with a RelayPeer (dist/src/client), send through
// the target: the caller sends, the callee receives; both share this process's clock, so one-way
// latency (arrival − sendTime) is meaningful. Same packet size, same offered schedule for both.
//
// Two measurements per target, each bounded in time (≤ 10 s) and count:
//   throughput: offered at --rate datagrams/s (default 90000, under the relay's 100000/s bucket)
//               for --seconds; forwarded pps = distinct datagrams received / window;
//   latency:    paced at --latency-rate (default 2000/s) for --seconds; p50 / p99 one-way.
//
//   npm run bench:relay
//   node bench/relay.mjs --seconds 5 --size 160 --rate 90000 --latency-rate 2000 --rounds 1
//
// Writes bench/results/relay.json.
import {createSocket} from 'node:dgram'
import {mkdirSync, writeFileSync} from 'node:fs'
import {cpus} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {RelayPeer, TalkClient, VirtualClient} from '../dist/src/client/index.js'
import {parseArgs, round, startReadyChild} from './lib/proc.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = parseArgs(process.argv.slice(2), {seconds: 'number', size: 'number', rate: 'number', 'latency-rate': 'number', rounds: 'number', out: 'string'})
const SECONDS = args.seconds ?? 5
const SIZE = args.size ?? 160
const RATE = args.rate ?? 90_000
const LATENCY_RATE = args['latency-rate'] ?? 2000
const ROUNDS = args.rounds ?? 1
const outFile = args.out ?? join(root, 'bench/results/relay.json')
if (!(SECONDS >= 1 && SECONDS <= 10)) throw new Error('--seconds must be from 1 to 10 (each measurement is bounded to 10 s)')
if (!Number.isInteger(SIZE) || SIZE < 0 || SIZE > 1200) throw new Error('--size must be an integer from 0 to 1200')
if (!(RATE >= 1 && RATE <= 100_000)) throw new Error('--rate must be from 1 to 100000 (the relay bucket is at most 100000/s)')
if (!(LATENCY_RATE >= 1 && LATENCY_RATE <= 10_000)) throw new Error('--latency-rate must be from 1 to 10000')
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 5) throw new Error('--rounds must be an integer from 1 to 5')

/** Spawns a child that prints a JSON ready line; resolves with it. */
async function udpSocket() {
  const s = createSocket('udp4')
  await new Promise((r) => s.bind(0, '127.0.0.1', r))
  // Room for bursts on both ends.
  s.setRecvBufferSize(8 * 1024 * 1024)
  s.setSendBufferSize(8 * 1024 * 1024)
  return s
}

/** Caller and callee peers through `relay`; both sides opened (the relay learns each role from its first datagram). */
async function peers(relay, token) {
  const aSock = await udpSocket()
  const bSock = await udpSocket()
  const a = new RelayPeer({socket: aSock, relay, token, role: 'caller'})
  const b = new RelayPeer({socket: bSock, relay, token, role: 'callee'})
  for (let i = 0; i < 20 && b.report().received === 0; i++) {
    a.send(0)
    await sleep(20)
    b.send(0)
    await sleep(20)
    a.send(1)
    await sleep(20)
  }
  if (b.report().received === 0) throw new Error(`no datagram got through ${relay}`)
  return {
    a, b,
    close() {
      a.close()
      b.close()
      aSock.close()
      bSock.close()
    },
  }
}

/**
 * The caller sends at `pps` for `seconds` (in batches each ms tick, keeping to start + i / pps),
 * the callee counts; fresh peers each time so the histograms are this measurement's alone.
 */
async function measure(open, pps, seconds) {
  const p = await open()
  try {
    const payload = Buffer.alloc(SIZE, 0x55)
    const count = Math.round(pps * seconds)
    const first = 1000
    const start = performance.now()
    let i = 0
    while (i < count) {
      const due = Math.min(count, Math.floor(((performance.now() - start) * pps) / 1000) + 1)
      for (; i < due; i++) p.a.send(first + i, payload)
      if (performance.now() - start > 10_000) break
      await new Promise((r) => setImmediate(r))
    }
    const sendMs = performance.now() - start
    // Let the tail drain, bounded.
    const before = p.b.report().received
    await sleep(300)
    const r = p.b.report()
    const received = r.received - 1 // minus the opening datagram
    return {
      offeredPps: round(pps),
      sent: i,
      sendSeconds: round(sendMs / 1000),
      received,
      lost: i - received,
      lossPct: round((100 * (i - received)) / i, 2),
      deliveredPps: round(received / (sendMs / 1000), 0),
      drainedAfterSend: r.received - before,
      latencyMs: {p50: round(r.latency.p50), p90: round(r.latency.p90), p99: round(r.latency.p99), max: round(r.latency.max), count: r.latency.count},
    }
  } finally {
    p.close()
  }
}

async function startRelayTarget() {
  const server = await startReadyChild([join(root, 'bin/run.js'), 'serve', '--port', '0', '--stun-ports', '1', '--relay-rate-pps', '100000', '--relay-burst', '100000'], 'imh serve', root)
  const clients = []
  const user = async (name) => {
    const c = new VirtualClient({resolve: {scheduler: server.ready.scheduler}, credentials: {username: `${name}-${process.pid}-${Date.now()}`, password: 'pw'}, register: true, heartbeat: false})
    clients.push(c)
    await c.start()
    return {c, talk: TalkClient.of(c), id: c.userId}
  }
  const alice = await user('bench-alice')
  const bob = await user('bench-bob')
  // One call per measurement: a fresh call gives fresh relay legs and buckets.
  const open = async () => {
    const invite = await alice.talk.invite(bob.id)
    await bob.talk.waitRing((r) => r.callId === invite.callId)
    const join = await bob.talk.join(invite.callId)
    await alice.talk.waitJoined(invite.callId)
    const p = await peers(invite.relays[0], join.relayToken)
    return {...p, close() {
      p.close()
      void alice.talk.hangup(invite.callId).catch(() => undefined)
    }}
  }
  return {
    open,
    relay: server.ready.relay,
    async stop() {
      await Promise.all(clients.map((c) => c.close()))
      await server.stop()
    },
  }
}

async function startRawTarget() {
  const fwd = await startReadyChild([join(root, 'bench/lib/udp-forward.mjs')], 'udp forwarder', root)
  const relay = `udp://127.0.0.1:${fwd.ready.port}`
  // The raw forwarder learns one pair per run: restart it per measurement for the same fresh start.
  return {relay, stop: () => fwd.stop()}
}

async function measureRaw(pps) {
  const raw = await startRawTarget()
  try {
    return await measure(() => peers(raw.relay, '0'.repeat(32)), pps, SECONDS)
  } finally {
    await raw.stop()
  }
}

const rounds = []
const relayTarget = await startRelayTarget()
try {
  for (let r = 0; r < ROUNDS; r++) {
    const round_ = {}
    // Alternate the order so drift over the run favours neither side.
    const order = r % 2 === 0 ? ['raw', 'relay'] : ['relay', 'raw']
    for (const kind of order) {
      const throughput = kind === 'raw' ? await measureRaw(RATE) : await measure(relayTarget.open, RATE, SECONDS)
      const latency = kind === 'raw' ? await measureRaw(LATENCY_RATE) : await measure(relayTarget.open, LATENCY_RATE, SECONDS)
      round_[kind] = {throughput, latency}
      process.stderr.write(`round ${r + 1} ${kind}: ${throughput.deliveredPps} pps delivered of ${RATE} offered (loss ${throughput.lossPct}%), latency at ${LATENCY_RATE}/s p50 ${latency.latencyMs.p50} ms p99 ${latency.latencyMs.p99} ms\n`)
    }
    rounds.push(round_)
  }
} finally {
  await relayTarget.stop()
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}
const pick = (kind, f) => median(rounds.map((r) => f(r[kind])))
const summary = {}
for (const kind of ['relay', 'raw']) {
  summary[kind] = {
    deliveredPps: pick(kind, (x) => x.throughput.deliveredPps),
    lossPctAtOffered: pick(kind, (x) => x.throughput.lossPct),
    latencyP50Ms: pick(kind, (x) => x.latency.latencyMs.p50),
    latencyP99Ms: pick(kind, (x) => x.latency.latencyMs.p99),
    latencyP50MsAtThroughput: pick(kind, (x) => x.throughput.latencyMs.p50),
    latencyP99MsAtThroughput: pick(kind, (x) => x.throughput.latencyMs.p99),
  }
}
summary.ratio = {
  deliveredPps: round(summary.relay.deliveredPps / summary.raw.deliveredPps, 3),
  latencyP50: round(summary.relay.latencyP50Ms / summary.raw.latencyP50Ms, 3),
  latencyP99: round(summary.relay.latencyP99Ms / summary.raw.latencyP99Ms, 3),
}
const result = {
  bench: 'relay',
  command: `node bench/relay.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  params: {seconds: SECONDS, payloadBytes: SIZE, datagramBytes: SIZE + 36, offeredPps: RATE, latencyPps: LATENCY_RATE, rounds: ROUNDS},
  summary,
  rounds,
}
mkdirSync(dirname(outFile), {recursive: true})
writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)

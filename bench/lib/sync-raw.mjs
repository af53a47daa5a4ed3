#!/usr/bin/env node
// bench/lib/sync-raw.mjs: bench:sync's baseline generator. The same long-link job as `imh load`'s
// heartbeat or chat scenario (the same 20-byte-header frames to the same `imh serve`), written as
// a bare `ws` loop with hand-built frames: no codec, no checks, no metrics, no scheduler. It
// registers and logs in its clients over the short link, connects and AUTHs them, then runs the
// job at a fixed total rate and measures, over a window after the ramp, its own CPU seconds and
// the server's (from /proc), and the frames both ways.
//
//   node bench/lib/sync-raw.mjs '{"kind":"chat","short":"http://…","long":"ws://…","serverPid":N,
//     "clients":100,"rate":1000,"seconds":10,"messageSize":64}'
//
// Prints one JSON line: {event:'result', kind, clients, rate, windowS, framesOut, framesIn,
// messages, cpuS, serverCpuS}.
import {readFileSync} from 'node:fs'
import WebSocket from 'ws'

const o = JSON.parse(process.argv[2])
const CMD = {AUTH: 1, SEND_MSG: 2, SYNC: 3, SYNC_NOTIFY: 4, ERROR: 5, NOOP: 6}

function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(rest[11]) + Number(rest[12])) / 100
}
const selfCpuS = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function frame(cmd, seq, body) {
  const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
  const len = bytes ? bytes.length : 0
  const out = Buffer.allocUnsafe(20 + len)
  out.writeUInt32BE(20, 0)
  out.writeUInt32BE(1, 4)
  out.writeUInt32BE(cmd, 8)
  out.writeUInt32BE(seq, 12)
  out.writeUInt32BE(len, 16)
  if (bytes) bytes.copy(out, 20)
  return out
}

async function post(path, body) {
  const res = await fetch(`${o.short}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)})
  return res.json()
}

let framesOut = 0
let framesIn = 0
let messages = 0
let counting = false

/** One client: its socket, its next seq, its SYNC key and whether a SYNC is under way. */
async function connect(i) {
  const username = `raw-${process.pid}-${i}`
  await post('/register', {username, password: 'pw'})
  const {userId, token} = await post('/login', {username, password: 'pw'})
  const ws = new WebSocket(o.long, {perMessageDeflate: false})
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const c = {i, userId, ws, seq: 0, key: {epoch: 0, seq: 0}, syncing: false, again: false, peer: undefined, n: 0}
  c.send = (cmd, body) => {
    c.seq++
    if (counting) framesOut++
    ws.send(frame(cmd, c.seq, body))
  }
  c.sync = () => {
    c.syncing = true
    c.again = false
    c.send(CMD.SYNC, {syncKey: c.key})
  }
  const authed = new Promise((resolve) => (c.onAuth = resolve))
  ws.on('message', (data) => {
    if (counting) framesIn++
    const cmd = data.readUInt32BE(8)
    if (cmd === CMD.AUTH) return c.onAuth()
    if (cmd === CMD.SYNC_NOTIFY) {
      if (c.syncing) c.again = true
      else c.sync()
    } else if (cmd === CMD.SYNC) {
      const reply = JSON.parse(data.subarray(20).toString())
      c.key = reply.syncKey
      if (counting) messages += reply.messages.length
      if (reply.continue || c.again) c.sync()
      else c.syncing = false
    } else if (cmd === CMD.ERROR) {
      console.error(`client ${i}: ${data.subarray(20).toString()}`)
    }
  })
  c.send(CMD.AUTH, {token})
  await authed
  return c
}

const clients = []
// A few at a time: the server hashes passwords (scrypt) at login.
for (let i = 0; i < o.clients; i += 20) {
  clients.push(...(await Promise.all(Array.from({length: Math.min(20, o.clients - i)}, (_, k) => connect(i + k)))))
}
for (const c of clients) c.peer = clients[c.i ^ 1]
// A first SYNC each, as a client does after AUTH.
for (const c of clients) c.sync()

const padding = 'x'.repeat(o.messageSize ?? 64)
const perClientMs = (o.clients / o.rate) * 1000
const timers = clients.map((c, k) =>
  setTimeout(() => {
    c.timer = setInterval(() => {
      if (o.kind === 'heartbeat') c.send(CMD.NOOP)
      else if (c.peer) c.send(CMD.SEND_MSG, {clientMsgId: `${c.i}.${c.n++}`, to: c.peer.userId, type: 'text', content: padding})
    }, perClientMs)
  }, (k / clients.length) * perClientMs),
)
// One second to settle, then the window.
await new Promise((r) => setTimeout(r, 1000 + perClientMs))
counting = true
const t0 = performance.now()
const cpu0 = selfCpuS()
const server0 = cpuOf(o.serverPid)
await new Promise((r) => setTimeout(r, o.seconds * 1000))
const windowS = (performance.now() - t0) / 1000
const cpuS = selfCpuS() - cpu0
const serverCpuS = cpuOf(o.serverPid) - server0
counting = false
for (const t of timers) clearTimeout(t)
for (const c of clients) {
  clearInterval(c.timer)
  c.ws.terminate()
}
process.stdout.write(`${JSON.stringify({event: 'result', kind: o.kind, clients: o.clients, rate: o.rate, windowS, framesOut, framesIn, messages, cpuS, serverCpuS})}\n`)
process.exit(0)

// bench/lib/sync-codec.mjs: bench:sync's codec part. Per operation of the long-link codec
// (dist/src/protocol) on chat's frames, ns per op beside a bare baseline measured in the same
// process (JSON.stringify + a hand-written header; Buffer#toString + JSON.parse): the ratio is
// what travels between machines. In-process and single-threaded, so a busy machine slows both
// sides alike.
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

/**
 * ns per call of `codec` and of `bare`, measured in alternate rounds of `n` calls so that a busy
 * machine weighs on both alike: the medians, and the median of the rounds' ratios.
 */
function compare(codec, bare, n, rounds = 15) {
  const time = (fn) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn(i)
    return Number(process.hrtime.bigint() - t0) / n
  }
  time(codec)
  time(bare)
  const c = []
  const b = []
  const r = []
  for (let k = 0; k < rounds; k++) {
    c.push(time(codec))
    b.push(time(bare))
    r.push(c.at(-1) / b.at(-1))
  }
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1]
  return {codecNs: Math.round(median(c)), bareNs: Math.round(median(b)), ratio: Math.round(median(r) * 1000) / 1000}
}

function bareEncode(cmd, seq, body) {
  const bytes = Buffer.from(JSON.stringify(body))
  const out = Buffer.allocUnsafe(20 + bytes.length)
  out.writeUInt32BE(20, 0)
  out.writeUInt32BE(1, 4)
  out.writeUInt32BE(cmd, 8)
  out.writeUInt32BE(seq, 12)
  out.writeUInt32BE(bytes.length, 16)
  bytes.copy(out, 20)
  return out
}
const bareDecode = (buf) => JSON.parse(buf.subarray(20).toString())

export async function codecJob(root, n = 5000) {
  const p = await import(pathToFileURL(join(root, 'dist/src/protocol/index.js')).href)
  const message = {seq: 42, serverMsgId: '42', from: 'u1', to: 'u2', clientMsgId: 'abcd.1.0.42', type: 'text', content: `imh2|1|0|42|0|1234.567|1234.568|${'x'.repeat(30)}`, sendTime: 1_718_000_001_234}
  const sendMsg = {clientMsgId: message.clientMsgId, to: 'u2', type: 'text', content: message.content}
  const syncReply = {syncKey: {epoch: 123456, seq: 42}, messages: [message], continue: false}
  const sendFrame = p.encodeFrame(p.CMD.SEND_MSG, 7, sendMsg)
  const syncFrame = p.encodeFrame(p.CMD.SYNC, 8, syncReply)
  const ops = {
    encodeSendMsg: [(i) => p.encodeFrame(p.CMD.SEND_MSG, i + 1, sendMsg), (i) => bareEncode(2, i + 1, sendMsg)],
    encodeSyncReply: [(i) => p.encodeFrame(p.CMD.SYNC, i + 1, syncReply), (i) => bareEncode(3, i + 1, syncReply)],
    // What the server does with a SEND_MSG: decode, parse, check.
    serverSendMsg: [() => p.parseSendMsg(p.parseJsonBody(p.decodeFrame(sendFrame).body)), () => bareDecode(sendFrame)],
    // What the client does with a SYNC reply: decode, parse, check every message.
    clientSyncReply: [() => p.parseSyncReply(p.parseJsonBody(p.decodeFrame(syncFrame).body)), () => bareDecode(syncFrame)],
  }
  const out = {}
  for (const [name, [codec, bare]] of Object.entries(ops)) {
    out[name] = compare(codec, bare, n)
  }
  return out
}

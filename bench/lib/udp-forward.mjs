#!/usr/bin/env node
// A plain UDP forwarder for bench/relay.mjs: one socket on 127.0.0.1; learns the source address of
// each role (byte 6 of the datagram, as the relay header has it) from its first datagram and sends
// every datagram unchanged to the other role's learned address. No validation, no token, no rate
// limit: the floor the relay is compared with. Prints {"event":"ready","port":N}.
import {createSocket} from 'node:dgram'

const socket = createSocket('udp4')
const legs = [undefined, undefined]
let forwarded = 0
socket.on('message', (msg, rinfo) => {
  const role = msg[6] === 1 ? 1 : 0
  if (!legs[role]) legs[role] = {address: rinfo.address, port: rinfo.port}
  const peer = legs[1 - role]
  if (!peer) return
  forwarded++
  socket.send(msg, peer.port, peer.address)
})
socket.bind(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({event: 'ready', port: socket.address().port})}\n`))
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({event: 'stopped', forwarded})}\n`)
  socket.close(() => process.exit(0))
})

import {type Socket, createSocket} from 'node:dgram'
import {track, udp} from '../../test/support/udp.js'
import {afterEach, describe, expect, it} from 'vitest'
import {
  STUN_ATTR, STUN_BINDING_ERROR, STUN_BINDING_REQUEST, STUN_BINDING_SUCCESS, STUN_CLASS, STUN_METHOD, decodeErrorCode, decodeStun, decodeText,
  encodeStun, getStunAttribute, mappedAddressOf, newTransactionId, stunType, verifyFingerprint,
} from '../../src/protocol/index.js'
import {startReferenceServer, type ReferenceServer} from '../index.js'
import {STUN_SOFTWARE, type StunPorts, answerStun, createStunPorts} from './stun-server.js'


/** Sends `datagram` and resolves with the first answer, or undefined after `ms`. */
function ask(s: Socket, datagram: Buffer, port: number, host: string, ms = 300): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', on)
      resolve(undefined)
    }, ms)
    const on = (m: Buffer) => {
      clearTimeout(timer)
      s.off('message', on)
      resolve(m)
    }
    s.on('message', on)
    s.send(datagram, port, host)
  })
}

async function stunPorts(host: string, ports: number[] | number): Promise<StunPorts> {
  const p = await createStunPorts({host, ports})
  track(p)
  return p
}

async function ipv6Works(): Promise<boolean> {
  const s = createSocket('udp6')
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.bind({address: '::1', port: 0}, () => resolve())
    })
    return true
  } catch {
    return false
  } finally {
    try {
      s.close()
    } catch {}
  }
}

describe('answerStun', () => {
  it('answers a Binding request with XOR-MAPPED-ADDRESS and SOFTWARE, echoing FINGERPRINT', () => {
    const stats = {answered: 0, rejected: 0, dropped: 0}
    const transactionId = newTransactionId()
    for (const fingerprint of [false, true]) {
      const out = answerStun(encodeStun({type: STUN_BINDING_REQUEST, transactionId}, {fingerprint}), {address: '::ffff:198.51.100.7', port: 40000}, stats)!
      const msg = decodeStun(out)
      expect(msg.type).toBe(STUN_BINDING_SUCCESS)
      expect(msg.transactionId.equals(transactionId)).toBe(true)
      expect(mappedAddressOf(msg)).toEqual({family: 'IPv4', address: '198.51.100.7', port: 40000})
      expect(decodeText(getStunAttribute(msg, STUN_ATTR.SOFTWARE)!.value)).toBe(STUN_SOFTWARE)
      expect(getStunAttribute(msg, STUN_ATTR.FINGERPRINT) !== undefined).toBe(fingerprint)
      if (fingerprint) expect(verifyFingerprint(msg)).toBe(true)
    }
    expect(stats).toEqual({answered: 2, rejected: 0, dropped: 0})
  })

  it('drops malformed datagrams, responses, indications and other methods, counting them', () => {
    const stats = {answered: 0, rejected: 0, dropped: 0}
    const from = {address: '127.0.0.1', port: 1}
    const transactionId = newTransactionId()
    const bad = encodeStun({type: STUN_BINDING_REQUEST, transactionId})
    bad.writeUInt32BE(0, 4)
    for (const d of [
      Buffer.alloc(0),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      bad,
      encodeStun({type: STUN_BINDING_SUCCESS, transactionId}),
      encodeStun({type: stunType(STUN_METHOD.BINDING, STUN_CLASS.INDICATION), transactionId}),
      encodeStun({type: stunType(0x003, STUN_CLASS.REQUEST), transactionId}), // Allocate (TURN)
    ]) {
      expect(answerStun(d, from, stats)).toBeUndefined()
    }
    expect(stats).toEqual({answered: 0, rejected: 0, dropped: 6})
  })

  it('answers 420 with UNKNOWN-ATTRIBUTES for an unknown comprehension-required attribute', () => {
    const stats = {answered: 0, rejected: 0, dropped: 0}
    const transactionId = newTransactionId()
    const req = encodeStun({type: STUN_BINDING_REQUEST, transactionId, attributes: [{type: 0x7777, value: Buffer.alloc(4)}, {type: 0xc001, value: Buffer.alloc(4)}]})
    const msg = decodeStun(answerStun(req, {address: '127.0.0.1', port: 1}, stats)!)
    expect(msg.type).toBe(STUN_BINDING_ERROR)
    expect(decodeErrorCode(getStunAttribute(msg, STUN_ATTR.ERROR_CODE)!.value).code).toBe(420)
    expect(getStunAttribute(msg, STUN_ATTR.UNKNOWN_ATTRIBUTES)!.value.readUInt16BE(0)).toBe(0x7777)
    expect(getStunAttribute(msg, STUN_ATTR.UNKNOWN_ATTRIBUTES)!.value.length).toBe(2)
    expect(stats).toEqual({answered: 0, rejected: 1, dropped: 0})
  })
})

describe('createStunPorts', () => {
  it('answers on every port with the source address of the datagram (IPv4)', async () => {
    const p = await stunPorts('127.0.0.1', 3)
    expect(p.ports).toHaveLength(3)
    expect(new Set(p.ports).size).toBe(3)
    const client = await udp('udp4', '127.0.0.1')
    for (const port of p.ports) {
      const answer = await ask(client, encodeStun({type: STUN_BINDING_REQUEST, transactionId: newTransactionId()}, {fingerprint: true}), port, '127.0.0.1')
      const msg = decodeStun(answer!)
      expect(mappedAddressOf(msg)).toEqual({family: 'IPv4', address: '127.0.0.1', port: client.address().port})
      expect(verifyFingerprint(msg)).toBe(true)
    }
    expect(await ask(client, Buffer.from('not stun at all'), p.ports[0]!, '127.0.0.1', 150)).toBeUndefined()
    expect(p.stats).toEqual({answered: 3, rejected: 0, dropped: 1})
  })

  it('binds IPv6 when the host is IPv6', async (ctx) => {
    if (!(await ipv6Works())) ctx.skip()
    const p = await stunPorts('::1', [0])
    const client = await udp('udp6', '::1')
    const msg = decodeStun((await ask(client, encodeStun({type: STUN_BINDING_REQUEST, transactionId: newTransactionId()}), p.ports[0]!, '::1'))!)
    expect(mappedAddressOf(msg)).toEqual({family: 'IPv6', address: '::1', port: client.address().port})
  })

  it('refuses bad port lists and releases sockets when one bind fails', async () => {
    await expect(createStunPorts({ports: []})).rejects.toThrow(/STUN ports/)
    await expect(createStunPorts({ports: [70000]})).rejects.toThrow(/STUN ports/)
    const taken = await stunPorts('127.0.0.1', 1)
    await expect(createStunPorts({host: '127.0.0.1', ports: [0, taken.ports[0]!]})).rejects.toThrow(/EADDRINUSE/)
  })
})

describe('startReferenceServer relay group', () => {
  let server: ReferenceServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('lists one udp:// relay address per STUN port (default 4) and answers on each', async () => {
    server = await startReferenceServer()
    expect(server.flows.talk.stun.ports).toHaveLength(4)
    expect(server.groups.relay).toEqual(server.flows.talk.stun.ports.map((p) => `udp://127.0.0.1:${p}`))
    const client = await udp('udp4', '127.0.0.1')
    const answer = await ask(client, encodeStun({type: STUN_BINDING_REQUEST, transactionId: newTransactionId()}), server.flows.talk.stun.ports[3]!, '127.0.0.1')
    expect(mappedAddressOf(decodeStun(answer!))?.port).toBe(client.address().port)
    expect(server.flows.talk.stun.stats.answered).toBe(1)
    const res = await fetch(server.urls.scheduler)
    // The scheduler rotates each group's list per client: the same addresses, in some order.
    expect(((await res.json()) as {groups: {relay: string[]}}).groups.relay.sort()).toEqual([...server.groups.relay].sort())
  })

  it('honours limits.stunPorts, validates it, and closes the sockets on close()', async () => {
    await expect(startReferenceServer({limits: {stunPorts: 17}})).rejects.toThrow(/stunPorts/)
    server = await startReferenceServer({limits: {stunPorts: 1}})
    const [port] = server.flows.talk.stun.ports
    expect(server.groups.relay).toHaveLength(1)
    await server.close()
    server = undefined
    // The port is free again.
    const again = await stunPorts('127.0.0.1', [port!])
    expect(again.ports).toEqual([port])
  })
})

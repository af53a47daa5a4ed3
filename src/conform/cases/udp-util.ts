import {type Socket, createSocket} from 'node:dgram'
import {isIPv6} from 'node:net'
import type {StunServer} from '../../client/stun-client.js'
import type {CaseContext} from '../context.js'

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost'
}

/**
 * Where to bind a probing socket so that its own address is the source the target sees: the
 * loopback address itself for a loopback target, otherwise the wildcard of the target's family.
 */
export function bindAddressFor(server: StunServer): string {
  if (server.host === 'localhost') return '127.0.0.1'
  if (isLoopback(server.host)) return server.host
  return isIPv6(server.host) ? '::' : '0.0.0.0'
}

/** A UDP socket bound for talking to `server`, closed when the case ends. */
export async function caseSocket(ctx: CaseContext, server: StunServer): Promise<Socket> {
  const address = bindAddressFor(server)
  const socket = createSocket({type: isIPv6(address) ? 'udp6' : 'udp4'})
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({address, port: 0}, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  ctx.onCleanup(() => new Promise<void>((r) => socket.close(() => r())))
  return socket
}

import {createSocket, type Socket} from 'node:dgram'
import {afterEach} from 'vitest'

const open: {close(): Promise<void>}[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()))
})

/** A bound UDP socket closed after the test; `track` closes anything else with it. */
export async function udp(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const s = createSocket(type)
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject)
    s.bind({address, port: 0}, () => resolve())
  })
  track({close: () => new Promise<void>((r) => s.close(() => r()))})
  return s
}

export function track(o: {close(): Promise<void>}): void {
  open.push(o)
}

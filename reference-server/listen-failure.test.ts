import {createSocket} from 'node:dgram'
import {createServer} from 'node:net'
import {describe, expect, it} from 'vitest'
import {startReferenceServer} from './index.js'
import {listenFailure, listening} from './listen-failure.js'

describe('listenFailure', () => {
  it('names what could not listen, the address and why, with a code', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4000'), {code: 'EADDRINUSE'})
    const e = listenFailure(err, 'the long group', '127.0.0.1', 4000)
    expect(e.code).toBe('IMH_ERR_LISTEN_FAILED')
    expect(e.message).toBe('the long group could not listen on 127.0.0.1:4000: the address is in use (EADDRINUSE)')
    expect(listenFailure(err, 'x', '::1', 5).message).toContain('[::1]:5')
  })

  it('turns a UDP bind on a taken port into the coded error', async () => {
    const holder = createSocket('udp4')
    const port = await new Promise<number>((resolve) => holder.bind({address: '127.0.0.1', port: 0, exclusive: true}, () => resolve(holder.address().port)))
    try {
      const socket = createSocket('udp4')
      const bind = listening('the relay group (UDP)', '127.0.0.1', port, () => new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind({address: '127.0.0.1', port, exclusive: true}, resolve)
      }))
      await expect(bind).rejects.toMatchObject({code: 'IMH_ERR_LISTEN_FAILED', message: `the relay group (UDP) could not listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE)`})
      socket.close()
    } finally {
      holder.close()
    }
  })
})

describe('the reference server with a port of its layout taken', () => {
  it('fails with IMH_ERR_LISTEN_FAILED naming the group and the port', async () => {
    const holder = createServer()
    const held = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as {port: number}).port)))
    try {
      // The scheduler takes --port, the next listeners the ports after it. Usually the held port
      // fails; on a busy machine another process may hold one of the others by chance.
      await expect(startReferenceServer({host: '127.0.0.1', port: held - 1})).rejects.toMatchObject({
        code: 'IMH_ERR_LISTEN_FAILED', message: expect.stringMatching(/^the \w+ group could not listen on 127\.0\.0\.1:\d+: the address is in use \(EADDRINUSE\)$/),
      })
    } finally {
      holder.close()
    }
  })
})

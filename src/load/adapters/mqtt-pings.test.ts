import {describe, expect, it} from 'vitest'
import {ImhError} from '../../protocol/index.js'
import {errorCode} from '../scenarios/context.js'
import {MqttPings} from './mqtt-pings.js'

function pings() {
  let now = 0
  const rtts: number[] = []
  const p = new MqttPings((ms) => rtts.push(ms), () => now)
  return {p, rtts, at: (t: number) => void (now = t)}
}

describe('MqttPings', () => {
  it('reports each keep-alive round trip, pairing PINGRESPs with PINGREQs in order', () => {
    const {p, rtts, at} = pings()
    p.sent()
    at(5)
    p.sent()
    at(7)
    p.answered()
    at(12)
    p.answered()
    p.answered()
    expect(rtts).toEqual([7, 7])
  })

  it('resolves an on-demand ping on its PINGRESP without reporting it as a keep-alive', async () => {
    const {p, rtts} = pings()
    let written = 0
    const done = p.demand(() => {
      written++
      p.sent()
    }, 1000)
    p.answered()
    await done
    expect(written).toBe(1)
    expect(rtts).toEqual([])
  })

  it('times an on-demand ping out (IMH_ERR_TIMEOUT) and ignores its late answer', async () => {
    const {p, rtts} = pings()
    const err = await p.demand(() => p.sent(), 10).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
    p.sent()
    p.answered()
    p.answered()
    expect(rtts).toHaveLength(1)
  })

  it('fails outstanding on-demand pings when the connection is lost', async () => {
    const {p} = pings()
    const done = p.demand(() => p.sent(), 1000)
    p.lost(new ImhError('IMH_ERR_CONNECTION_CLOSED'))
    expect(errorCode(await done.catch((e: unknown) => e))).toBe('IMH_ERR_CONNECTION_CLOSED')
  })
})

import type {Redis} from 'ioredis'
import type {Clock} from '../types.js'

/**
 * How far Redis's clock (TIME) is ahead of `clock`, in ms: agents on several machines agree on
 * one start time, and their workers' delta times map to the coordinator's clock, through the
 * one clock they all see. Of `samples` round trips the shortest is kept, its midpoint taken as
 * the moment Redis read its clock (NTP's idea): the error is at most half that round trip.
 */
export async function redisClockOffset(client: Redis, clock: Clock, samples = 5): Promise<{offsetMs: number; rttMs: number}> {
  let best = {offsetMs: 0, rttMs: Infinity}
  for (let i = 0; i < samples; i++) {
    const t0 = clock.now()
    const [s, us] = await client.time()
    const t1 = clock.now()
    const rtt = t1 - t0
    if (rtt < best.rttMs) best = {offsetMs: Number(s) * 1000 + Number(us) / 1000 - (t0 + t1) / 2, rttMs: rtt}
  }
  return best
}

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../../../reference-server/index.js'
import {MetricsRecorder} from '../metrics/registry.js'
import {SourceAddresses} from '../source-addresses.js'
import {createAvatarCache} from './avatars.js'
import {realClock} from '../clock.js'

let server: ReferenceServer

beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(() => server.close())

function context(recorder: MetricsRecorder): Parameters<typeof createAvatarCache>[0] {
  return {recorder, clock: realClock, addresses: new SourceAddresses(0), options: {requestTimeoutMs: 10_000}}
}

describe('createAvatarCache', () => {
  it('fetches misses from the media group, counts hits and misses, times media_get and counts failures by code', async () => {
    const user = await server.store.createUser('avatar-user', 'x')
    const url = `${server.urls.media}/avatar/${user!.userId}`
    const recorder = new MetricsRecorder()
    const cache = createAvatarCache(context(recorder), 10)
    await cache.show([url])
    await cache.show([url, ''])
    await expect(cache.show([`${server.urls.media}/avatar/nobody`])).rejects.toMatchObject({code: 'IMH_ERR_UNKNOWN_USER'})
    const delta = recorder.takeDelta()
    expect(delta.counters).toMatchObject({avatar_cache_hit: 1, avatar_cache_miss: 2, errors: 1})
    expect(delta.errors).toEqual({IMH_ERR_UNKNOWN_USER: 1})
    expect(Object.keys(delta.histograms)).toEqual(['media_get'])
  })
})

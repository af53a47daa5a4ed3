import {afterEach, describe, expect, it} from 'vitest'
import {LongLink, ShortClient, fetchSchedulerAnswer} from '../src/client/index.js'
import {CMD, FEATURES, MOMENTS_SHORT_ROUTES, SHOP_SHORT_ROUTES, isImhError} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {runCli} from './support/run-cli.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function start(flows?: string[]): Promise<ReferenceServer> {
  const server = await startReferenceServer({flows})
  closers.push(() => server.close())
  return server
}

/** What the long link answers `cmd` with an empty body, as a logged-in user: 'ok' or the error code. */
async function answerTo(server: ReferenceServer, cmd: number): Promise<string> {
  const short = new ShortClient(server.urls.short)
  const name = `subset${Math.random().toString(36).slice(2, 10)}`
  await short.register({username: name, password: 'pw-subset'})
  const {token} = await short.login({username: name, password: 'pw-subset'})
  const link = await LongLink.connect(server.urls.long)
  closers.push(() => link.terminate())
  await link.call(CMD.AUTH, {token})
  try {
    await link.request(cmd, {})
    return 'ok'
  } catch (err) {
    return isImhError(err) ? err.code : String(err)
  }
}

describe('the reference server with a subset of its flows (option flows)', () => {
  it('the full server announces every optional feature, in PROTOCOL.md order', async () => {
    const server = await start()
    expect((await fetchSchedulerAnswer(server.urls.scheduler)).features).toEqual([...FEATURES])
  })

  it('core only: no qr, media or relay address, no features, other flows\' commands IMH_ERR_UNKNOWN_CMD and routes 404', async () => {
    const server = await start(['core'])
    const answer = await fetchSchedulerAnswer(server.urls.scheduler)
    expect(answer.features).toBeUndefined()
    expect(answer.groups).toMatchObject({qr: [], media: [], relay: []})
    // The long node's WebSocket and stream addresses (PROTOCOL.md §4.2).
    expect(answer.groups.long).toEqual([server.urls.long, server.urls.longTcp])
    expect(answer.groups.short).toHaveLength(1)
    expect(server.urls.qr).toBe('')
    expect(server.resolver).toBeUndefined()
    for (const cmd of [CMD.TALK_INVITE, CMD.LBS_REPORT, CMD.SHAKE, CMD.BOTTLE_THROW]) expect(await answerTo(server, cmd)).toBe('IMH_ERR_UNKNOWN_CMD')
    // A core command still works on the same server.
    expect(await answerTo(server, CMD.NOOP)).toBe('ok')
    const short = new ShortClient(server.urls.short)
    for (const route of [SHOP_SHORT_ROUTES.shopEntry, MOMENTS_SHORT_ROUTES.friends]) {
      const res = await short.raw(route.method, route.path)
      expect([route.path, res.status, (res.json as {code?: string}).code]).toEqual([route.path, 404, 'IMH_ERR_NOT_FOUND'])
    }
  })

  it('core and qr: announces qr and lists its group, nothing else', async () => {
    const server = await start(['qr'])
    const answer = await fetchSchedulerAnswer(server.urls.scheduler)
    expect(answer.features).toEqual(['qr'])
    expect(answer.groups.qr).toHaveLength(1)
    expect(answer.groups).toMatchObject({media: [], relay: []})
  })

  it('refuses an unknown flow, naming the option', async () => {
    await expect(startReferenceServer({flows: ['core', 'teleport']})).rejects.toMatchObject({code: 'IMH_ERR_INVALID_OPTION', message: expect.stringMatching(/option flows: unknown flow "teleport"; the flows are core, qr, /)})
  })

  it('imh serve --flows refuses an unknown flow with exit 2', async () => {
    const {code, stderr} = await runCli(['serve', '--flows', 'core,teleport'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--flows/)
  })
})

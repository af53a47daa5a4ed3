import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {createHttpGroup} from './http-group.js'
import {closeServer, listen} from './listen.js'
import {type HttpRoute, jsonRoute} from './route.js'
import {sendJson} from './json-server.js'

const servers: Array<ReturnType<typeof createHttpGroup>> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s)
})

async function start(routes: HttpRoute[], headers?: Record<string, string>): Promise<string> {
  const server = createHttpGroup({routes, headers})
  servers.push(server)
  await listen(server, '127.0.0.1', 0)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function call(base: string, method: string, path: string): Promise<{status: number; body: Record<string, unknown>; headers: Headers}> {
  const res = await fetch(base + path, {method})
  const text = await res.text()
  return {status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers}
}

const echoRest: HttpRoute = {method: ['GET', 'HEAD'], path: '/files/*', handle: async (_req, res, {rest}) => sendJson(res, 200, {rest})}

describe('createHttpGroup', () => {
  it('answers a static route and hands a prefix route the rest of the path as sent', async () => {
    const base = await start([jsonRoute({method: 'POST', path: '/files/upload'}, async () => ({up: true})), echoRest])
    expect(await call(base, 'POST', '/files/upload')).toMatchObject({status: 200, body: {ret: 0, up: true}})
    expect((await call(base, 'GET', '/files/a%2Fb/c?x=1')).body).toEqual({rest: 'a%2Fb/c'})
    expect((await call(base, 'GET', '/files/%E0%A4%A')).body).toEqual({rest: '%E0%A4%A'})
    expect((await call(base, 'GET', '/files/')).body).toEqual({rest: ''})
  })

  it('404 for an unknown path, 405 naming the methods of a known one, even where a prefix of that method would match', async () => {
    const base = await start([jsonRoute({method: 'POST', path: '/files/upload'}, async () => ({})), echoRest])
    expect(await call(base, 'GET', '/nope')).toMatchObject({status: 404, body: {ret: 404, code: 'IMH_ERR_NOT_FOUND'}})
    expect(await call(base, 'GET', '/files')).toMatchObject({status: 404})
    const wrong = await call(base, 'GET', '/files/upload')
    expect(wrong).toMatchObject({status: 405, body: {code: 'IMH_ERR_METHOD_NOT_ALLOWED'}})
    expect(wrong.body.errMsg).toBe('GET /files/upload: use POST')
    expect((await call(base, 'DELETE', '/files/x')).body.errMsg).toBe('DELETE /files/x: use GET or HEAD')
  })

  it("matches paths as sent: an encoded static path is another path", async () => {
    const base = await start([jsonRoute({method: 'GET', path: '/abc'}, async () => ({}))])
    expect((await call(base, 'GET', '/abc')).status).toBe(200)
    expect((await call(base, 'GET', '/ab%63')).status).toBe(404)
  })

  it('sets the group headers on every answer, errors included, and takes any method for "*"', async () => {
    const base = await start([{method: '*', path: '/old', handle: async (_req, res) => void res.writeHead(301, {location: '/new'}).end()}], {'cache-control': 'no-store'})
    const moved = await fetch(`${base}/old`, {method: 'PUT', redirect: 'manual'})
    expect([moved.status, moved.headers.get('location'), moved.headers.get('cache-control')]).toEqual([301, '/new', 'no-store'])
    expect((await call(base, 'GET', '/missing')).headers.get('cache-control')).toBe('no-store')
  })

  it('refuses two routes for one method and path', () => {
    expect(() => createHttpGroup({routes: [echoRest, echoRest]})).toThrow(/two routes for GET \/files\/\*/)
  })
})

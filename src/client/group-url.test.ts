import {describe, expect, it} from 'vitest'
import {groupUrl} from './group-url.js'

describe('groupUrl', () => {
  it('appends the route path to a bare origin', () => {
    expect(groupUrl('http://h:1', '/register').href).toBe('http://h:1/register')
    expect(groupUrl('http://h:1/', '/qr/new').href).toBe('http://h:1/qr/new')
  })

  it('keeps the base path, with or without a trailing slash (PROTOCOL.md §2.2)', () => {
    expect(groupUrl('http://127.0.0.1:8080/api', '/register').href).toBe('http://127.0.0.1:8080/api/register')
    expect(groupUrl('http://h:1/im/', '/qr/check?uuid=u&last=0').href).toBe('http://h:1/im/qr/check?uuid=u&last=0')
    expect(groupUrl('https://cdn.example/a/b//', '/media/x').href).toBe('https://cdn.example/a/b/media/x')
    expect(groupUrl(new URL('http://h/api'), 'profile').href).toBe('http://h/api/profile')
  })

  it("keeps the base's query and joins the route's to it", () => {
    expect(groupUrl('http://h/api?tenant=a%20b', '/profile').href).toBe('http://h/api/profile?tenant=a%20b')
    expect(groupUrl('http://h/api?tenant=a', '/profile?userId=u%2F1').href).toBe('http://h/api/profile?tenant=a&userId=u%2F1')
    expect(groupUrl('http://h/api?', '/profile').href).toBe('http://h/api/profile')
  })

  it('drops a fragment of the base and does not change the base it is given', () => {
    const base = new URL('http://h/api#x')
    expect(groupUrl(base, '/heartbeat').href).toBe('http://h/api/heartbeat')
    expect(base.href).toBe('http://h/api#x')
  })
})

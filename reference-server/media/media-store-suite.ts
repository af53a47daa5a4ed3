import {expect, it} from 'vitest'
import type {MediaStore} from './media-store.js'

/** The behaviour every MediaStore shares (PROTOCOL.md §16), run against each implementation. */
export function mediaStoreSuite(make: () => Promise<MediaStore>): void {
  it('keeps the bytes and metadata of an upload under a fresh id, byte for byte', async () => {
    const s = await make()
    const bytes = Buffer.from([0, 255, 1, 128, 13, 10, 0x80, 0xfe])
    const put = await s.put('u1', 'image/png', bytes)
    expect(put).toMatchObject({owner: 'u1', contentType: 'image/png', bytes})
    expect(put.etag).toMatch(/^"[\w-]{27}"$/)
    expect(put.lastModified % 1000).toBe(0)
    const got = await s.get(put.mediaId)
    expect(got).toEqual(put)
    expect(Buffer.compare(got!.bytes, bytes)).toBe(0)
  })

  it('gives each upload its own id, the same bytes the same etag, and counts them', async () => {
    const s = await make()
    expect(await s.size()).toBe(0)
    const a = await s.put('u1', 'text/plain', Buffer.from('same'))
    const b = await s.put('u2', 'text/plain', Buffer.from('same'))
    const empty = await s.put('u2', 'application/octet-stream', Buffer.alloc(0))
    expect(a.mediaId).not.toBe(b.mediaId)
    expect(a.etag).toBe(b.etag)
    expect((await s.get(empty.mediaId))!.bytes.length).toBe(0)
    expect(await s.size()).toBe(3)
  })

  it('answers undefined for an unknown id', async () => {
    const s = await make()
    expect(await s.get('nope')).toBeUndefined()
  })
}

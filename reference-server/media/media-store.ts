import {createHash, randomBytes} from 'node:crypto'

/** One uploaded object of the media group (PROTOCOL.md §16). Immutable once stored. */
export interface MediaObject {
  mediaId: string
  /** The user who uploaded it. */
  owner: string
  contentType: string
  bytes: Buffer
  /** Strong validator: a quoted hash of the bytes. */
  etag: string
  /** ms since the epoch, whole seconds (HTTP dates have no finer grain). */
  lastModified: number
}

/**
 * Where uploads live: in memory for one process, or in the group's Redis (redis-media-store.ts).
 * The moments flow (§15) asks it whether a media id exists.
 */
export interface MediaStore {
  put(owner: string, contentType: string, bytes: Buffer): Promise<MediaObject>
  get(mediaId: string): Promise<MediaObject | undefined>
  /** Objects stored. */
  size(): Promise<number>
}

/** The strong validator of `bytes`: a quoted hash (PROTOCOL.md §16). */
export function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
}

/** A new object's id and validators; the stores differ only in where they keep it. */
export function newMediaObject(owner: string, contentType: string, bytes: Buffer): MediaObject {
  return {mediaId: randomBytes(12).toString('base64url'), owner, contentType, bytes, etag: etagOf(bytes), lastModified: Math.floor(Date.now() / 1000) * 1000}
}

export class MemoryMediaStore implements MediaStore {
  private readonly objects = new Map<string, MediaObject>()

  async put(owner: string, contentType: string, bytes: Buffer): Promise<MediaObject> {
    const object = newMediaObject(owner, contentType, bytes)
    this.objects.set(object.mediaId, object)
    return object
  }

  async get(mediaId: string): Promise<MediaObject | undefined> {
    return this.objects.get(mediaId)
  }

  async size(): Promise<number> {
    return this.objects.size
  }
}

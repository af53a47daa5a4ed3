import {createHash, randomBytes} from 'node:crypto'
import {defineStore} from '../store/store-slot.js'

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
 * Where uploads live. In memory for one process; async so a shared store can stand in (a later
 * issue spreads state over processes). The moments flow (§15) asks it whether a media id exists.
 */
export interface MediaStore {
  put(owner: string, contentType: string, bytes: Buffer): Promise<MediaObject>
  get(mediaId: string): Promise<MediaObject | undefined>
  readonly size: number
}

export class MemoryMediaStore implements MediaStore {
  private readonly objects = new Map<string, MediaObject>()

  async put(owner: string, contentType: string, bytes: Buffer): Promise<MediaObject> {
    const mediaId = randomBytes(12).toString('base64url')
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
    const object: MediaObject = {mediaId, owner, contentType, bytes, etag, lastModified: Math.floor(Date.now() / 1000) * 1000}
    this.objects.set(mediaId, object)
    return object
  }

  async get(mediaId: string): Promise<MediaObject | undefined> {
    return this.objects.get(mediaId)
  }

  get size(): number {
    return this.objects.size
  }
}

/** Uploads of the media group (§16); one per server, read by moments too. */
export const MEDIA_STORE = defineStore<MediaStore>('media', () => new MemoryMediaStore())

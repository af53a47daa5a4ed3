import {deserialize, serialize} from 'node:v8'

/**
 * Messages between the coordinator and agents are the same objects the coordinator and its local
 * workers exchange over IPC with `serialization: 'advanced'`, i.e. V8's structured-clone format:
 * the same encoder, so anything a local worker can be sent, an agent's worker can too. Stream
 * entries carry them as binary field values.
 */
export function encodeMessage(m: unknown): Buffer {
  return serialize(m)
}

export function decodeMessage<T>(b: Buffer): T {
  return deserialize(b) as T
}

/** A stream entry read with XREAD in buffer mode, fields as a map of strings to buffers. */
export interface StreamEntry {
  id: string
  fields: Map<string, Buffer>
}

/** Parses ioredis `xreadBuffer`'s reply: [[key, [[id, [field, value, …]], …]], …] → the entries of every key in order. */
export function streamEntries(reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null): StreamEntry[] {
  const out: StreamEntry[] = []
  for (const [, entries] of reply ?? []) {
    for (const [id, flat] of entries) {
      const fields = new Map<string, Buffer>()
      for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!)
      out.push({id: id.toString(), fields})
    }
  }
  return out
}

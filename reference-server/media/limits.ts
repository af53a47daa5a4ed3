import {type AnnouncedLimits, type LimitKeys, defineLimits} from '../../src/protocol/index.js'

/** The media group's own limit; the upload limit is announced (PROTOCOL.md §16). */
export const MEDIA_LIMIT_SPECS = defineLimits([
  {key: 'downloadBytes', default: 32 * 1024 * 1024, min: 1, max: 1024 * 1024 * 1024, unit: 'bytes', section: '16.6', description: "size of the media group's game download object", flag: 'download-size', conformValue: 1024 * 1024},
] as const)

export type MediaLimits = AnnouncedLimits & Record<LimitKeys<typeof MEDIA_LIMIT_SPECS>, number>

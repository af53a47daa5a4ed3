import type {ConformanceCase} from '../types.js'
import {mediaCacheCases} from './media-cache.js'
import {mediaRangeCases} from './media-range.js'
import {mediaUploadCases} from './media-upload.js'

/** The media / CDN group (PROTOCOL.md §16): ranges, conditional requests, caching headers, uploads. */
export const mediaCases: readonly ConformanceCase[] = [...mediaRangeCases, ...mediaCacheCases, ...mediaUploadCases]

import {defineCaseModule} from '../case-module.js'
import {mediaCacheCases} from './media-cache.js'
import {mediaRangeCases} from './media-range.js'
import {mediaUploadCases} from './media-upload.js'

/** The media / CDN group (PROTOCOL.md §16): ranges, conditional requests, caching headers, uploads. */
export const mediaCaseModule = defineCaseModule({
  flow: 'media',
  title: 'Media / CDN group: ranges, validators, caching, uploads',
  sections: ['16'],
  cases: [...mediaRangeCases, ...mediaCacheCases, ...mediaUploadCases],
})

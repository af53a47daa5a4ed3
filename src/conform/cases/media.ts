import {MEDIA_ROUTES} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {groupRouteProbe} from './probes.js'
import {mediaCacheCases} from './media-cache.js'
import {mediaRangeCases} from './media-range.js'
import {mediaUploadCases} from './media-upload.js'

/** The media / CDN group (PROTOCOL.md §16): ranges, conditional requests, caching headers, uploads. */
export const mediaCaseModule = defineCaseModule({
  flow: 'media',
  title: 'Media / CDN group: ranges, validators, caching, uploads',
  sections: ['16'],
  // The upload route: the one route of the group that no implementation answers 404.
  probe: groupRouteProbe('media', 'POST', MEDIA_ROUTES.upload),
  cases: [...mediaRangeCases, ...mediaCacheCases, ...mediaUploadCases],
})

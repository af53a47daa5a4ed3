import {trend} from '../metrics/metric-definition.js'

/** One GET from the media group (PROTOCOL.md §16), recorded by the avatar cache and by downloads. */
export const MEDIA_GET = trend('media_get', 'media: GET of an avatar or image from the media group, request → body fully received')

import {defineServerFlow} from '../flow.js'
import {MEDIA_LIMIT_SPECS} from './limits.js'
import {type MediaOptions, mediaRoutes} from './media-routes.js'
import {MEDIA_STORE} from './media-slot.js'

/** The media / CDN group (PROTOCOL.md §16): uploads, avatars and the game download. */
export const mediaFlow = defineServerFlow({
  name: 'media',
  limits: MEDIA_LIMIT_SPECS,
  stores: [MEDIA_STORE],
  listeners: [{name: 'media', kind: 'http'}],
  options: (ctx): MediaOptions => ({store: ctx.store, media: ctx.storeOf(MEDIA_STORE), limits: ctx.limits, publicBase: ctx.base('media')}),
  create: mediaRoutes,
  routes: (routes) => ({media: routes}),
})

import {authenticate, profileOf} from '../core/session.js'
import {defineServerFlow} from '../flow.js'
import {MEDIA_STORE} from '../media/media-slot.js'
import {MOMENTS_STORE} from './moments-slot.js'
import {type MomentsOptions, MomentsService} from './moments-service.js'

/** Friends and moments (PROTOCOL.md §15): routes on the short link, notices in the `moments` SYNC inbox. */
export const momentsFlow = defineServerFlow({
  name: 'moments',
  limits: [],
  stores: [MOMENTS_STORE],
  needs: {groups: ['media'], stores: [MEDIA_STORE]},
  options: (ctx): MomentsOptions => {
    const mediaBase = ctx.base('media')
    return {
      store: ctx.store, limits: ctx.limits, media: ctx.storeOf(MEDIA_STORE), moments: ctx.storeOf(MOMENTS_STORE), mediaBase,
      authenticate: (req) => authenticate(ctx.store, req), avatarUrl: (user) => profileOf(user, mediaBase()).avatarUrl,
    }
  },
  create: (options) => new MomentsService(options),
  routes: (service) => ({short: service.routes()}),
})

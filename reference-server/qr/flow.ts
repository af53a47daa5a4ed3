import {defineServerFlow} from '../flow.js'
import {QR_LIMIT_SPECS} from './limits.js'
import {type QrOptions, createQrService} from './qr-routes.js'
import {QR_LOGINS} from './qr-store.js'

/** QR-code web login (PROTOCOL.md §10): the qr group, its login page, and the phone's confirmation. */
export const qrFlow = defineServerFlow({
  name: 'qr',
  limits: QR_LIMIT_SPECS,
  stores: [QR_LOGINS],
  needs: {groups: ['media']},
  // Tokens, tickets and one-time states: nothing the qr group answers may be cached.
  listeners: [{name: 'qr', kind: 'http', headers: {'cache-control': 'no-store'}}],
  options: (ctx): QrOptions => ({store: ctx.store, limits: ctx.limits, publicBase: ctx.base('qr'), mediaBase: ctx.base('media'), logins: ctx.storeOf(QR_LOGINS)}),
  create: createQrService,
  routes: (service) => ({qr: service.routes}),
  status: (service) => ({
    /** QR check polls held. */
    get polls(): number {
      return service.logins.pendingPolls
    },
  }),
  // Releases held polls and stops the sweep.
  close: (service) => service.logins.close(),
})

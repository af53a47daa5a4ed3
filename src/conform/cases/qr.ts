import {defineCaseModule} from '../case-module.js'
import {qrNewCases} from './qr-new.js'
import {qrPollCases} from './qr-poll.js'
import {qrScanCases} from './qr-scan.js'
import {qrTicketCases} from './qr-ticket.js'

/** QR-code web login (PROTOCOL.md §10). */
export const qrCaseModule = defineCaseModule({
  flow: 'qr',
  title: 'QR-code web login: codes, long-polled check, scan and confirm, tickets',
  sections: ['10'],
  // Not applicable, before any user is registered, on a target whose scheduler lists no qr address.
  precondition: (ctx) => void ctx.qrUrl,
  cases: [...qrNewCases, ...qrPollCases, ...qrScanCases, ...qrTicketCases],
})

import {QR_PATHS} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {groupRouteProbe} from './probes.js'
import {qrNewCases} from './qr-new.js'
import {qrPollCases} from './qr-poll.js'
import {qrScanCases} from './qr-scan.js'
import {qrTicketCases} from './qr-ticket.js'

/** QR-code web login (PROTOCOL.md §10). */
export const qrCaseModule = defineCaseModule({
  flow: 'qr',
  title: 'QR-code web login: codes, long-polled check, scan and confirm, tickets',
  sections: ['10'],
  // Unimplemented when its first route, a new login, is not there.
  probe: groupRouteProbe('qr', 'GET', QR_PATHS.new),
  cases: [...qrNewCases, ...qrPollCases, ...qrScanCases, ...qrTicketCases],
})

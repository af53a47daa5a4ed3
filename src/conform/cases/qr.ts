import type {ConformanceCase} from '../types.js'
import {qrNewCases} from './qr-new.js'
import {qrPollCases} from './qr-poll.js'
import {qrScanCases} from './qr-scan.js'
import {qrTicketCases} from './qr-ticket.js'

/** QR-code web login (PROTOCOL.md §10); not applicable to a target whose scheduler lists no qr address. */
export const qrCases: ConformanceCase[] = [...qrNewCases, ...qrPollCases, ...qrScanCases, ...qrTicketCases].map((c) => ({
  ...c,
  run: async (ctx) => {
    // Not applicable before any user is registered on a target that has no qr group.
    void ctx.qrUrl
    return c.run(ctx)
  },
}))

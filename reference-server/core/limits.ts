import {type AnnouncedLimits, type LimitKeys, defineLimits} from '../../src/protocol/index.js'

/**
 * Tunables of core the server does not announce: queues of the long link, de-duplication of
 * chat, the scheduler's TTL. Every one is bounded so a typo cannot exhaust the machine.
 */
export const CORE_LIMIT_SPECS = defineLimits([
  {key: 'maxQueuedFrames', default: 4096, min: 16, max: 1_000_000, unit: 'count', section: '5.6', description: 'frames queued on one connection before the server stops reading from it'},
  {key: 'maxQueuedBytes', default: 4 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, unit: 'bytes', section: '5.6', description: 'bytes of frames queued on one connection before the server stops reading from it'},
  {key: 'maxBufferedBytes', default: 8 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, unit: 'bytes', section: '5.6', description: 'bytes waiting to be sent to one client before it is closed as a slow consumer'},
  {key: 'dedupWindow', default: 10_000, min: 1, max: 10_000_000, unit: 'count', section: '6.2', description: 'recent clientMsgIds per sender remembered for de-duplication'},
  {key: 'passwordCost', default: 10, min: 1, max: 20, unit: 'count', section: '3.3', flag: 'password-cost', description: "log2 of scrypt's N for passwords stored at registration: 10 keeps a login near a millisecond; lower it for login storms of 100,000 clients (a test server's setting, not a production one)"},
  {key: 'schedulerTtlSeconds', default: 300, min: 1, max: 86_400, unit: 's', section: '2.3', description: "seconds clients may keep the scheduler's answer"},
] as const)

/** What core reads: the announced limits and its own. */
export type CoreLimits = AnnouncedLimits & Record<LimitKeys<typeof CORE_LIMIT_SPECS>, number>

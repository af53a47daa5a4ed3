import type {ConformanceCase} from '../types.js'
import {framingCases} from './framing.js'
import {qrCases} from './qr.js'
import {schedulerCases} from './scheduler.js'
import {sessionCases} from './session.js'
import {stunCases} from './stun.js'
import {shortCases} from './short.js'
import {syncCases} from './sync.js'
import {talkCases} from './talk.js'
import {nearbyCases} from './nearby.js'
import {shakeCases} from './shake.js'
import {bottleCases} from './bottle.js'
import {momentsCases} from './moments.js'
import {mediaCases} from './media.js'

/** Every conformance case, in the order of PROTOCOL.md's sections. */
export const ALL_CASES: readonly ConformanceCase[] = [...schedulerCases, ...shortCases, ...framingCases, ...sessionCases, ...syncCases, ...qrCases, ...stunCases, ...talkCases, ...nearbyCases, ...shakeCases, ...bottleCases, ...momentsCases, ...mediaCases]

import {defineCaseModule} from '../case-module.js'
import {firstCommandProbe} from './probes.js'
import {stunCases} from './stun.js'
import {talkCallCases} from './talk-call.js'

/** Real-time talk (PROTOCOL.md §11): STUN on the relay addresses, call signalling, the relay. */
export const talkCaseModule = defineCaseModule({
  flow: 'talk',
  title: 'Real-time talk: STUN, call signalling, relay',
  sections: ['11'],
  probe: firstCommandProbe('talk'),
  cases: [...stunCases, ...talkCallCases],
})

import {defineCaseModule} from '../case-module.js'
import {framingCases} from './framing.js'
import {schedulerCases} from './scheduler.js'
import {sessionCases} from './session.js'
import {streamCases} from './stream.js'
import {shortCases} from './short.js'
import {syncCases} from './sync.js'

/** What every target must do (PROTOCOL.md §2–§6): the scheduler, the short link, long-link framing, the session and SYNC chat. */
export const coreCaseModule = defineCaseModule({
  flow: 'core',
  title: 'Scheduler, short link, long-link framing, session, SYNC chat',
  sections: ['2', '3', '4', '5', '6'],
  cases: [...schedulerCases, ...shortCases, ...framingCases, ...streamCases, ...sessionCases, ...syncCases],
})

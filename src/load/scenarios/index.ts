import type {VuFactory} from '../executors/virtual-user.js'
import type {ScenarioKind} from '../types.js'
import {chatFactory} from './chat.js'
import type {ScenarioContext} from './context.js'
import {heartbeatFactory} from './heartbeat.js'
import {httpFactory} from './http.js'
import {loginStormFactory} from './login-storm.js'
import {qrLoginFactory} from './qr-login.js'
import {talkFactory} from './talk.js'
import {wsPingFactory} from './ws-ping.js'
import {nearbyFactory} from './nearby.js'
import {shakeFactory} from './shake.js'
import {bottleFactory} from './bottle.js'
import {momentsFactory} from './moments.js'
import {downloadFactory} from './download.js'

const FACTORIES: Record<ScenarioKind, (ctx: ScenarioContext) => VuFactory> = {
  'chat': chatFactory,
  'heartbeat': heartbeatFactory,
  'login-storm': loginStormFactory,
  'ws-ping': wsPingFactory,
  'http': httpFactory,
  'qr-login': qrLoginFactory,
  'talk': talkFactory,
  'nearby': nearbyFactory,
  'shake': shakeFactory,
  'bottle': bottleFactory,
  'moments': momentsFactory,
  'download': downloadFactory,
}

export function factoryFor(ctx: ScenarioContext): VuFactory {
  return FACTORIES[ctx.spec.scenario](ctx)
}

/** Whether a scenario speaks our protocol (and so needs a scheduler URL). */
export function needsScheduler(kind: ScenarioKind): boolean {
  return kind !== 'ws-ping' && kind !== 'http'
}

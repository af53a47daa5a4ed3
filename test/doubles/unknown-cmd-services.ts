import {ImhError, cmdName} from '../../src/protocol/index.js'
import type {FlowServices, LongService, ReferenceServer} from '../../reference-server/index.js'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import {BOTTLE_REQUEST_CMDS, type BottleService} from '../../reference-server/bottle/bottle-service.js'
import {NEARBY_REQUEST_CMDS, type NearbyService} from '../../reference-server/nearby/nearby-service.js'
import {SHAKE_REQUEST_CMDS, type ShakeService} from '../../reference-server/shake/shake-service.js'
import {talkParts} from '../../reference-server/talk/flow.js'
import {TALK_REQUEST_CMDS, type TalkService} from '../../reference-server/talk/signalling.js'

/**
 * A long-link service that owns `cmds` and answers every one with IMH_ERR_UNKNOWN_CMD, as a server
 * implementing only the core (PROTOCOL.md §2–§6) does. The talk relay asks it about tokens: none is known.
 */
function refusing(cmds: ReadonlySet<number>): LongService & Pick<TalkService, 'tokenInfo' | 'onCallEnded'> {
  return {
    cmds,
    async handle(_from, frame) {
      throw new ImhError('IMH_ERR_UNKNOWN_CMD', `unknown cmd ${frame.cmd} (${cmdName(frame.cmd)})`)
    },
    tokenInfo: async () => undefined,
    onCallEnded: () => () => {},
  }
}

/**
 * The embedded reference server whose every non-core long-link command (talk signalling §11.2,
 * nearby §12, shake §13, bottle §14) is answered IMH_ERR_UNKNOWN_CMD; HTTP groups stay as they are.
 */
export function startUnknownCmdDouble(): Promise<ReferenceServer> {
  // Each replacement owns the reference service's cmds, so that the long node routes them to it.
  const services: FlowServices = {
    nearby: () => refusing(NEARBY_REQUEST_CMDS) as unknown as NearbyService,
    shake: () => refusing(SHAKE_REQUEST_CMDS) as unknown as ShakeService,
    bottle: () => refusing(BOTTLE_REQUEST_CMDS) as unknown as BottleService,
    talk: (o) => talkParts(o, {signalling: () => refusing(TALK_REQUEST_CMDS) as unknown as TalkService}),
  }
  return startEmbeddedTarget({port: 0, services})
}

import {ImhError} from '../../protocol/index.js'
import type {VuFactory} from '../executors/virtual-user.js'
import type {ScenarioContext} from './context.js'

// Placeholder: the bottle scenario is being written.
export function bottleFactory(_ctx: ScenarioContext): VuFactory {
  return {
    async create() {
      throw new ImhError('IMH_ERR_INVALID_OPTION', 'the bottle scenario is not written yet')
    },
  }
}

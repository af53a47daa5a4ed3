import {ImhError} from '../../protocol/index.js'
import type {VuFactory} from '../executors/virtual-user.js'
import type {ScenarioContext} from './context.js'

// Placeholder: the moments scenario is being written.
export function momentsFactory(_ctx: ScenarioContext): VuFactory {
  return {
    async create() {
      throw new ImhError('IMH_ERR_INVALID_OPTION', 'the moments scenario is not written yet')
    },
  }
}

import {createRequire} from 'node:module'
import type * as Undici from 'undici'

const require = createRequire(import.meta.url)
let loaded: typeof Undici | undefined

/**
 * undici, loaded on first use. It is the largest module `imh load` imports (~130 files, about
 * half of a load worker's start-up CPU), and a run of the http or ws-ping scenario, or the
 * coordinator, never sends a request through it. `require` of the same package an `import`
 * elsewhere loads gives the same module object, so its classes stay one.
 */
export function undici(): typeof Undici {
  loaded ??= require('undici') as typeof Undici
  return loaded
}

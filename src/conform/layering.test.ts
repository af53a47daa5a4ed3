import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const src = resolve(here, '..')
/** What the conformance layer may build on: itself and the layers below it. */
const ALLOWED = ['conform', 'client', 'protocol', 'common']
/** The embedded target starts the reference server; it belongs with it (reference-server/conform-target.ts). */
const EXEMPT = new Set(['embedded.ts'])

describe('src/conform', () => {
  it('imports only src/conform, src/client, src/protocol and src/common', () => {
    const files = readdirSync(here, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts') && !EXEMPT.has(f))
    const astray: string[] = []
    for (const file of files) {
      const text = readFileSync(join(here, file), 'utf8')
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const layer = relative(src, resolve(here, dirname(file), spec!)).split(/[\\/]/)[0]
        if (!ALLOWED.includes(layer!)) astray.push(`${file} → ${spec}`)
      }
    }
    expect(files.length).toBeGreaterThan(20)
    expect(astray).toEqual([])
  })
})

import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Which layers each layer may import (the developers' guide: protocol ← client ← load/conform;
 * protocol ← reference-server; src/common is neutral). commands/ may import anything. Test files
 * are exempt: a unit test may start the reference server to drive what it tests.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'src/common': ['src/common'],
  'src/protocol': ['src/protocol', 'src/common'],
  'src/client': ['src/client', 'src/protocol', 'src/common'],
  'src/load': ['src/load', 'src/client', 'src/protocol', 'src/common'],
  'src/conform': ['src/conform', 'src/client', 'src/protocol', 'src/common'],
  'reference-server': ['reference-server', 'src/protocol', 'src/common'],
}

function layerOf(file: string): string | undefined {
  return Object.keys(ALLOWED).find((layer) => file === layer || file.startsWith(`${layer}/`))
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g

describe('layers point one way', () => {
  it('no module imports from a layer above its own, and src/common imports nothing of ours', () => {
    const violations: string[] = []
    for (const layer of Object.keys(ALLOWED)) {
      for (const file of sources(layer)) {
        const text = readFileSync(join(ROOT, file), 'utf8')
        for (const m of text.matchAll(IMPORT)) {
          const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]!))
          const to = layerOf(target) ?? target.split('/')[0]!
          if (!ALLOWED[layer]!.includes(to)) violations.push(`${file} imports ${m[1]} (${to})`)
        }
      }
    }
    expect(violations).toEqual([])
  })
})

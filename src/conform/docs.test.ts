import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {readBlock} from '../common/doc-blocks.js'
import {packageRoot} from '../common/package-root.js'
import {conformDocs} from './docs.js'

describe('the conformance docs', () => {
  it.each(conformDocs().map((d) => [`${d.file} ${d.block}`, d] as const))('%s is current', (_, d) => {
    const doc = readFileSync(join(packageRoot(), d.file), 'utf8')
    const block = readBlock(doc, d.block)
    expect(block, `${d.file} has no generated block "${d.block}"; add its markers, then run npm run docs`).toBeDefined()
    expect(block, `${d.file}'s block "${d.block}" is stale: run npm run docs`).toBe(d.content.replace(/\n$/, ''))
  })
})

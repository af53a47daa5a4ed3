import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {readBlock} from '../../common/doc-blocks.js'
import {packageRoot} from '../../common/package-root.js'
import {loadDocBlocks} from './index.js'

describe('generated blocks of the load docs', () => {
  it.each(loadDocBlocks().map((b) => [`${b.file} ${b.block}`, b] as const))('%s is current', (_name, b) => {
    const doc = readFileSync(join(packageRoot(), b.file), 'utf8')
    const current = readBlock(doc, b.block)
    expect(current, `${b.file} has no generated block "${b.block}"; add its BEGIN/END GENERATED markers, then run npm run docs`).toBeDefined()
    expect(current, `${b.file} block "${b.block}" is out of date: run npm run docs`).toBe(b.content)
  })
})

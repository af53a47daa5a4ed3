import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {generatedBlocks} from '../commands/docs.js'
import {blockProblem} from '../src/common/doc-blocks.js'
import {packageRoot} from '../src/common/package-root.js'

const blocks = await generatedBlocks()

describe('generated docs', () => {
  it.each(blocks.map((b) => [`${b.file} ${b.block}`, b] as const))('%s is current', (_name, b) => {
    expect(blockProblem(readFileSync(join(packageRoot(), b.file), 'utf8'), b)).toBeUndefined()
  })
})

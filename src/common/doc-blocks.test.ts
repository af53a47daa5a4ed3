import {describe, expect, it} from 'vitest'
import {readBlock, replaceBlock} from './doc-blocks.js'

describe('generated doc blocks', () => {
  const doc = 'intro\n<!-- BEGIN GENERATED: t -->\nold\n<!-- END GENERATED: t -->\noutro\n'

  it('reads and replaces only the text between the markers', () => {
    expect(readBlock(doc, 't')).toBe('old')
    const next = replaceBlock(doc, 't', 'a\nb\n')
    expect(readBlock(next, 't')).toBe('a\nb')
    expect(next.startsWith('intro\n')).toBe(true)
    expect(next.endsWith('\noutro\n')).toBe(true)
  })

  it('says which block is missing', () => {
    expect(readBlock(doc, 'other')).toBeUndefined()
    expect(() => replaceBlock(doc, 'other', 'x')).toThrow(/no generated block "other"/)
  })
})

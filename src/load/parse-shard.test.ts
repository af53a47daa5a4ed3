import {describe, expect, it} from 'vitest'
import {parseShard} from './parse-shard.js'

describe('parseShard', () => {
  it('reads INDEX/COUNT', () => {
    expect(parseShard('0/2')).toEqual({index: 0, count: 2})
    expect(parseShard(' 3 / 4 ')).toEqual({index: 3, count: 4})
    expect(parseShard('0/1')).toEqual({index: 0, count: 1})
  })

  it.each(['2/2', '1/0', '-1/2', '1.5/3', 'a/b', '1', '/2', '1/2/3', '0/100001', ''])('refuses "%s" with IMH_ERR_INVALID_OPTION', (input) => {
    expect(() => parseShard(input)).toThrow(expect.objectContaining({code: 'IMH_ERR_INVALID_OPTION', message: expect.stringContaining('--shard must be INDEX/COUNT')}))
  })
})

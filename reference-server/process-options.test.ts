import {describe, expect, it} from 'vitest'
import {isImhError} from '../src/protocol/index.js'
import {parseProcessOptions} from './process-options.js'

describe('parseProcessOptions', () => {
  it('reads host, port, publicHost and limits; no argument is no option', () => {
    expect(parseProcessOptions('{"host":"::1","port":0,"publicHost":"h","limits":{"stunPorts":1}}')).toEqual({host: '::1', port: 0, publicHost: 'h', limits: {stunPorts: 1}})
    expect(parseProcessOptions(undefined)).toEqual({})
  })

  it('reads flows, an array of flow names (the server checks the names)', () => {
    expect(parseProcessOptions('{"flows":["core","qr"]}')).toEqual({flows: ['core', 'qr']})
  })

  it.each([
    ['not json', /not JSON/],
    ['[1]', /must be a JSON object/],
    ['{"nope":1}', /unknown option "nope"; known: host, port, publicHost, limits, flows/],
    ['{"flows":"core"}', /option flows must be an array of strings/],
    ['{"flows":[1]}', /option flows must be an array of strings/],
    ['{"port":"80"}', /option port must be a number/],
    ['{"limits":null}', /option limits must be a JSON object/],
  ])('refuses %s with IMH_ERR_INVALID_OPTION', (json, message) => {
    try {
      parseProcessOptions(json)
      expect.unreachable()
    } catch (err) {
      expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
      expect((err as Error).message).toMatch(message)
    }
  })
})

import {describe, expect, it} from 'vitest'
import {compilePath, frameMatchField, pathField} from './json-ws-match.js'

const frame = {type: 'msg', data: {body: 'hi', 'odd key': 2, list: [{id: 'a'}, {id: 'b'}]}, n: 1}

describe('json-ws paths', () => {
  it.each([
    ['$.type', 'msg'],
    ['$.data.body', 'hi'],
    ["$.data['odd key']", 2],
    ['$.data.list[1].id', 'b'],
    ['$.missing.deeper', undefined],
    ['$.type.length', undefined],
    // Through jsonpath-plus: filters, wildcards, recursive descent.
    ['$.data.list[?(@.id=="b")].id', 'b'],
    ['$..body', 'hi'],
    ['$.data.list[*].id', 'a'],
  ])('%s', (path, want) => {
    expect(compilePath(path)(frame)).toEqual(want)
  })

  it('reads nothing out of a frame that is not an object', () => {
    expect(compilePath('$.a')('text')).toBeUndefined()
    expect(compilePath('$..a')(42)).toBeUndefined()
    expect(compilePath('$.a')(null)).toBeUndefined()
  })

  it('refuses paths that are not JSONPaths, naming the field', () => {
    expect(() => pathField('type', 'options.adapterOptions.incoming.body', 'p.yaml')).toThrow(/p\.yaml: options\.adapterOptions\.incoming\.body: a JSONPath starts with \$/)
    expect(() => pathField(3, 'f', 'p.yaml')).toThrow(/f: expected a JSONPath/)
    expect(() => pathField('$..[?(@.x==)]', 'f', 'p.yaml')).toThrow(/f: "\$\.\.\[\?\(@\.x==\)\]" is not a JSONPath jsonpath-plus can evaluate: Expected expression/)
  })

  it('treats a filter that fails on a frame as no match, and runs no code outside its sandbox', () => {
    expect(compilePath('$.data.list[?(@.x.y==1)].id')(frame)).toBeUndefined()
    expect(compilePath('$[?(process.exit())]')(frame)).toBeUndefined()
  })
})

describe('json-ws frame matches', () => {
  const ack = frameMatchField({id: true, why: false})
  it('matches only when every path has its value (=== : 1 is not "1")', () => {
    const m = ack({match: {'$.type': 'ack', '$.ok': true}, id: '$.id'}, 'ack', 'p.yaml')
    expect(m.test({type: 'ack', ok: true, id: 7})).toBe(true)
    expect(m.test({type: 'ack', ok: 'true'})).toBe(false)
    expect(m.test({type: 'msg', ok: true})).toBe(false)
    expect(m.test('ack')).toBe(false)
    expect(m.get.id!({id: 7})).toBe(7)
    expect(m.get.why).toBeUndefined()
    expect(ack({match: {'$.n': 1}, id: '$.id'}, 'ack', 'p.yaml').test({n: '1'})).toBe(false)
  })

  it('names the field at fault', () => {
    expect(() => ack({id: '$.id'}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack\.match: required/)
    expect(() => ack({match: {}, id: '$.id'}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack\.match: required/)
    expect(() => ack({match: {'$.type': 'ack'}}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack\.id: required/)
    expect(() => ack({match: {type: 'ack'}, id: '$.id'}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack\.match\["type"\]: a JSONPath starts with \$/)
    expect(() => ack({match: {'$.t': ['a']}, id: '$.id'}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/ack\.match\["\$\.t"\]: expected a string, number, true, false or null/)
    expect(() => ack({match: {'$.t': 'a'}, id: '$.id', body: '$.b'}, 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack\.body: unknown field "body"; allowed: match, id, why/)
    expect(() => ack('ack', 'options.adapterOptions.ack', 'p.yaml')).toThrow(/options\.adapterOptions\.ack: expected a map \{match/)
  })
})

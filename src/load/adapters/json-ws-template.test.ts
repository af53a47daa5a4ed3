import {describe, expect, it} from 'vitest'
import {jsonTemplateField, textTemplateField} from './json-ws-template.js'

const send = jsonTemplateField(['to', 'body', 'id', 'n'])

describe('json-ws frame templates', () => {
  it('fills placeholders structurally: an exact leaf keeps its value and type, mixed text becomes one string', () => {
    const t = send({type: 'msg', to: '{to}', n: '{n}', ref: 'm-{id}-{n}', meta: {tags: ['{body}', 1, true, null]}}, 'send', 'p.yaml')
    const out = JSON.parse(t.render({to: 'bob', body: 'hi', id: 'x.1', n: 7}))
    expect(out).toEqual({type: 'msg', to: 'bob', n: 7, ref: 'm-x.1-7', meta: {tags: ['hi', 1, true, null]}})
    expect([...t.uses].sort()).toEqual(['body', 'id', 'n', 'to'])
  })

  it('needs no escaping: quotes, backslashes, braces and newlines in values stay the values', () => {
    const t = send({body: '{body}', to: 'to:{to}'}, 'send', 'p.yaml')
    const body = '"},{"x":"\\\n{to}'
    expect(JSON.parse(t.render({body, to: '"q"', id: '', n: 0}))).toEqual({body, to: 'to:"q"'})
  })

  it('keeps braces that are not placeholders, and a template without any renders the same text every time', () => {
    const t = send({re: 'a{1,3}', json: '{"a":1}', empty: '{}'}, 'send', 'p.yaml')
    expect(t.render({})).toBe('{"re":"a{1,3}","json":"{\\"a\\":1}","empty":"{}"}')
    expect(t.uses.size).toBe(0)
  })

  it('names the field of an unknown placeholder, in maps and lists', () => {
    expect(() => send({a: {b: ['ok', '{bdy}']}}, 'options.adapterOptions.send', 'p.yaml'))
      .toThrow(/p\.yaml: options\.adapterOptions\.send\.a\.b\[1\]: unknown placeholder \{bdy\} in "\{bdy\}"; allowed: \{to\}, \{body\}, \{id\}, \{n\}/)
  })

  it('refuses a frame that is not a map or list, and values JSON cannot carry', () => {
    expect(() => send('{to}', 'send', 'p.yaml')).toThrow(/send: expected a JSON frame as a map or list/)
    expect(() => send({n: Number.NaN}, 'send', 'p.yaml')).toThrow(/send\.n: NaN cannot be written in JSON/)
    expect(() => send({d: new Date(0)}, 'send', 'p.yaml')).toThrow(/send\.d: expected a string, number/)
  })
})

describe('json-ws text templates', () => {
  const address = textTemplateField(['username', 'index'])
  it('renders and keeps its source for docs', () => {
    const t = address('user-{index}@{username}', 'address', 'p.yaml')
    expect(t.render({username: 'u', index: 3})).toBe('user-3@u')
    expect(address('{username}', 'address', 'p.yaml').render({username: 'imh-1', index: 0})).toBe('imh-1')
    expect(address.format?.(t)).toBe('user-{index}@{username}')
  })
  it('refuses an unknown placeholder and an empty string, naming the field', () => {
    expect(() => address('{name}', 'options.adapterOptions.address', 'p.yaml')).toThrow(/options\.adapterOptions\.address: unknown placeholder \{name\}/)
    expect(() => address('', 'options.adapterOptions.address', 'p.yaml')).toThrow(/options\.adapterOptions\.address: expected a non-empty string/)
  })
})

import {describe, expect, it} from 'vitest'
import {errorCode} from '../scenarios/context.js'
import {parseAdapterOptions} from './adapter-options.js'
import {mqttAdapter} from './mqtt.js'
import {keepaliveSeconds, mqttGuarantees} from './mqtt-options.js'

const parse = (raw: unknown) => parseAdapterOptions(mqttAdapter, raw, 'profile.yaml')
const refusal = (raw: unknown): unknown => {
  try {
    parse(raw)
  } catch (err) {
    return err
  }
  throw new Error('accepted')
}

describe('mqtt adapter options', () => {
  it('defaults to QoS 1 on imh/<username>, MQTT 3.1.1, clean sessions, no broker credentials', () => {
    expect(parse(undefined)).toEqual({qos: 1, topicPrefix: 'imh/', protocolVersion: 4, clean: true})
    expect(parse({qos: 2, protocolVersion: 5, clean: false, username: 'u', password: 'p', topicPrefix: ''})).toEqual({qos: 2, protocolVersion: 5, clean: false, username: 'u', password: 'p', topicPrefix: ''})
  })

  it('refuses values MQTT does not have, and wildcards in the topic prefix, naming the option', () => {
    for (const raw of [{qos: 3}, {qos: '1'}, {protocolVersion: 3}, {topicPrefix: 'a/+/'}, {topicPrefix: 'a/#'}, {clean: 'yes'}, {username: ''}, {retain: true}]) {
      const err = refusal(raw)
      expect(errorCode(err)).toBe('IMH_ERR_PROFILE_INVALID')
      expect((err as Error).message).toContain(`options.adapterOptions.${Object.keys(raw)[0]}`)
    }
  })

  it('promises per QoS what MQTT promises, ordered always (§4.6 ordered topics)', () => {
    expect(mqttGuarantees({qos: 0})).toEqual({acknowledged: false, delivery: 'at-most-once', ordered: true})
    expect(mqttGuarantees({qos: 1})).toEqual({acknowledged: true, delivery: 'at-least-once', ordered: true})
    expect(mqttGuarantees({qos: 2})).toEqual({acknowledged: true, delivery: 'exactly-once', ordered: true})
  })

  it('turns a heartbeat request into a keep-alive in whole seconds, at least 1', () => {
    expect(keepaliveSeconds(false)).toBe(0)
    expect(keepaliveSeconds(true)).toBe(60)
    expect(keepaliveSeconds(1)).toBe(1)
    expect(keepaliveSeconds(1000)).toBe(1)
    expect(keepaliveSeconds(1001)).toBe(2)
    expect(keepaliveSeconds(30_000)).toBe(30)
    expect(keepaliveSeconds(1e9)).toBe(65_535)
  })
})

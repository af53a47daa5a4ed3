import {bool, check, text} from '../profile/fields.js'
import {type ParsedOptions, option} from '../scenarios/scenario-module.js'
import type {AdapterGuarantees} from './adapter.js'

/** MQTT's three delivery levels (MQTT 3.1.1 §4.3, 5.0 §4.3). */
export type MqttQos = 0 | 1 | 2

const qos = check<MqttQos>('0, 1 or 2', (v) => (v === 0 || v === 1 || v === 2 ? v : undefined))
const protocolVersion = check<4 | 5>('4 (MQTT 3.1.1) or 5 (MQTT 5.0)', (v) => (v === 4 || v === 5 ? v : undefined))
// A client's topic is a publish topic too: the wildcards + and # are not allowed in one (§4.7.1).
const topicPrefix = check<string>('a string without + or #', (v) => (typeof v === 'string' && !/[+#]/.test(v) ? v : undefined))

/** The mqtt adapter's options (`options.adapterOptions` of a profile). */
export const MQTT_OPTIONS = {
  qos: option({field: 'qos', check: qos, default: 1 as MqttQos, doc: 'QoS of every publish and of each client\'s subscription: 0 at most once, 1 at least once (PUBACK), 2 exactly once (PUBCOMP)'}),
  topicPrefix: option({field: 'topicPrefix', check: topicPrefix, default: 'imh/', doc: 'a client\'s address is the topic `<topicPrefix><username>`: it subscribes to it, peers publish to it'}),
  protocolVersion: option({field: 'protocolVersion', check: protocolVersion, default: 4 as 4 | 5, doc: 'MQTT protocol level: 4 is MQTT 3.1.1, 5 is MQTT 5.0'}),
  clean: option({field: 'clean', check: bool, default: true, doc: 'clean session (3.1.1) / clean start (5.0): the broker forgets the client\'s subscription and queued messages when it disconnects'}),
  username: option({field: 'username', check: text, defaultDoc: 'none: CONNECT carries no username', doc: 'username every client gives the broker in CONNECT (the broker\'s own accounts, not the harness\'s)'}),
  password: option({field: 'password', check: text, defaultDoc: 'none', doc: 'password given with `username`'}),
} as const

export type MqttOptions = ParsedOptions<typeof MQTT_OPTIONS>

/**
 * What MQTT promises at a QoS. Order: MQTT 3.1.1 §4.6 and 5.0 §4.6 make a topic an ordered topic
 * for the messages of one publisher at one QoS, and brokers such as Mosquitto keep it; one
 * client's messages to one peer go over one connection to one topic, so they arrive in order.
 */
export function mqttGuarantees(o: Pick<MqttOptions, 'qos'>): AdapterGuarantees {
  if (o.qos === 0) return {acknowledged: false, delivery: 'at-most-once', ordered: true}
  return {acknowledged: true, delivery: o.qos === 1 ? 'at-least-once' : 'exactly-once', ordered: true}
}

/** MQTT keep-alive in whole seconds (§3.1.2.10) for a ConnectRequest's `heartbeat`: 0 turns it off. */
export function keepaliveSeconds(heartbeat: boolean | number): number {
  if (heartbeat === false) return 0
  if (heartbeat === true) return MQTT_DEFAULT_KEEPALIVE_S
  return Math.min(65_535, Math.max(1, Math.ceil(heartbeat / 1000)))
}

/** Keep-alive when a profile asks for heartbeats without an interval: mqtt.js's own default. */
export const MQTT_DEFAULT_KEEPALIVE_S = 60

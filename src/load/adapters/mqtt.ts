import {ImhError} from '../../protocol/index.js'
import {defineAdapter} from './adapter.js'
import {MQTT_OPTIONS, mqttGuarantees} from './mqtt-options.js'
import {MqttSession} from './mqtt-session.js'

/**
 * The built-in MQTT adapter (docs/adapters/mqtt.md): each virtual client subscribes to its own
 * topic `<topicPrefix><username>` and publishes to its peers' topics, through mqtt.js, at the
 * profile's QoS; the guarantees follow the QoS.
 */
export const mqttAdapter = defineAdapter({
  name: 'mqtt',
  description: 'MQTT 3.1.1/5.0 broker: each client subscribes to its own topic and publishes to its peers\', at QoS 0, 1 or 2 (mqtt.js)',
  schemes: ['mqtt', 'mqtts'],
  options: MQTT_OPTIONS,
  guarantees: mqttGuarantees,
  async connect(request) {
    const scheme = new URL(request.target).protocol
    if (scheme !== 'mqtt:' && scheme !== 'mqtts:') throw new ImhError('IMH_ERR_INVALID_OPTION', `the mqtt adapter needs an mqtt:// or mqtts:// target, got ${request.target}`)
    // The username becomes a topic: a wildcard in it would make the client's own topic a filter.
    if (/[+#]/.test(request.username)) throw new ImhError('IMH_ERR_INVALID_OPTION', `an MQTT client's username becomes its topic and may not contain + or #: ${request.username}`)
    return MqttSession.open(request)
  },
})

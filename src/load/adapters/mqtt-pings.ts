import {ImhError} from '../../protocol/index.js'

interface Ping {
  sentAt: number
  /** An on-demand ping (its answer may be gone after a timeout: a late PINGRESP is then ignored). */
  demand: boolean
  /** Set for an on-demand ping: its caller waits on it; keep-alive pings have none. */
  answer?: {resolve(): void; reject(err: Error): void; timer: NodeJS.Timeout}
}

/**
 * PINGREQ → PINGRESP round trips of one connection. A broker answers PINGREQs in the order sent
 * (one TCP stream), so each PINGRESP answers the oldest PINGREQ outstanding. Keep-alive pings
 * (mqtt.js sends them after `keepalive` seconds without traffic) report their round trip to
 * `onKeepalive`; on-demand ones resolve their caller instead.
 */
export class MqttPings {
  private readonly outstanding: Ping[] = []
  private demandPending = false

  constructor(private readonly onKeepalive: (ms: number) => void, private readonly now: () => number = () => performance.now()) {}

  /** mqtt.js 'packetsend' of a PINGREQ. */
  sent(): void {
    // The on-demand ping registered itself in demand(), just before mqtt.js wrote it.
    if (this.demandPending) this.demandPending = false
    else this.outstanding.push({sentAt: this.now(), demand: false})
  }

  /** mqtt.js 'packetreceive' of a PINGRESP. */
  answered(): void {
    const ping = this.outstanding.shift()
    if (!ping) return
    if (!ping.demand) return this.onKeepalive(this.now() - ping.sentAt)
    if (!ping.answer) return
    clearTimeout(ping.answer.timer)
    ping.answer.resolve()
  }

  /**
   * One on-demand round trip: `send` writes the PINGREQ (mqtt.js `sendPing()`, which emits
   * 'packetsend' synchronously); rejects with IMH_ERR_TIMEOUT after `timeoutMs`.
   */
  demand(send: () => void, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ping: Ping = {sentAt: this.now(), demand: true}
      const timer = setTimeout(() => {
        // Left in the queue, answer dropped, so that a late PINGRESP still pairs with its PINGREQ.
        delete ping.answer
        reject(new ImhError('IMH_ERR_TIMEOUT', `no PINGRESP within ${timeoutMs} ms`))
      }, timeoutMs)
      ping.answer = {resolve, reject, timer}
      this.outstanding.push(ping)
      this.demandPending = true
      try {
        send()
      } finally {
        this.demandPending = false
      }
    })
  }

  /** The connection closed: no PINGRESP will come for what is outstanding. */
  lost(err: Error): void {
    for (const ping of this.outstanding.splice(0)) {
      if (!ping.answer) continue
      clearTimeout(ping.answer.timer)
      ping.answer.reject(err)
    }
    this.demandPending = false
  }
}

import {describe, expect, it} from 'vitest'
import {ALL_LIMIT_SPECS} from './config.js'
import {LISTENERS} from './port-layout.js'
import {ADDRESS_FLAGS, LIMIT_FLAGS, limitsFromFlags, serveFlagHelp} from './serve-flags.js'

describe('imh serve flags', () => {
  it('has one flag per limit spec that names one, with its range and default', () => {
    expect(LIMIT_FLAGS.map((f) => f.name)).toEqual(ALL_LIMIT_SPECS.flatMap((s) => (s.flag ? [s.flag] : [])))
    const ring = LIMIT_FLAGS.find((f) => f.name === 'ring-timeout')!
    expect(ring).toMatchObject({limit: 'talkRingTimeoutMs', min: 100, max: 300_000, default: 30_000, section: '11.2'})
  })

  it('derives the help: what it sets, then range, unit and default', () => {
    const help = (name: string) => serveFlagHelp(LIMIT_FLAGS.find((f) => f.name === name)!)
    expect(help('ring-timeout')).toBe('ms a call rings before it ends with reason "timeout" (100–300000 ms, default 30000)')
    expect(help('sync-page')).toBe('default SYNC page size (1–1000, default 100)')
    expect(serveFlagHelp(ADDRESS_FLAGS.host)).toBe('address to bind (default 127.0.0.1)')
    expect(serveFlagHelp(ADDRESS_FLAGS['tls-key'])).toBe('PEM private key for --tls-cert')
  })

  it('describes the port layout from the listeners and UDP ports of the flows', () => {
    expect(ADDRESS_FLAGS.port.description).toMatch(/^scheduler port; short, long, longTcp, qr(,| and) media.* take the next \d+, the relay group's UDP ports \(--stun-ports\)( and [^;]+)? the ones after; 0: every port ephemeral$/)
    expect(ADDRESS_FLAGS.port.description).toContain(`take the next ${LISTENERS.length - 1},`)
    expect(ADDRESS_FLAGS.port.max).toBe(65535 - (LISTENERS.length - 1))
  })

  it('maps given flags to limits and leaves the others undefined', () => {
    const limits = limitsFromFlags({'ring-timeout': 1000, 'qr-ttl': undefined, host: 'x'})
    expect(limits.talkRingTimeoutMs).toBe(1000)
    expect(limits.qrTtlSeconds).toBeUndefined()
    expect(Object.keys(limits)).toHaveLength(LIMIT_FLAGS.length)
  })
})

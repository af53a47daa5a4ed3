import {describe, expect, it} from 'vitest'
import {formatBytes, formatElapsed, formatNumber, orderCounters, orderMetrics} from './format.js'

describe('format', () => {
  it('shrinks precision as numbers grow', () => {
    expect([0, 1.234, 9.999, 12.34, 99.94, 123.4, Number.NaN].map(formatNumber)).toEqual(['0.00', '1.23', '10.00', '12.3', '99.9', '123', '-'])
  })

  it('shows elapsed time as mm:ss, minutes counting past an hour', () => {
    expect([0, 999, 15_000, 61_500, 3_725_000].map(formatElapsed)).toEqual(['00:00', '00:00', '00:15', '01:01', '62:05'])
  })

  it('shows bytes in decimal units', () => {
    expect([512, 12_345, 4_100_000].map(formatBytes)).toEqual(['512 B', '12.3 kB', '4.10 MB'])
  })

  it('orders metrics as the catalogue does, uncorrected twins right after, unknown ones last', () => {
    expect(orderMetrics(['zeta', 'sync_latency_uncorrected', 'connect', 'sync_latency', 'alpha', 'orphan_uncorrected', 'heartbeat_rtt']))
      .toEqual(['heartbeat_rtt', 'sync_latency', 'sync_latency_uncorrected', 'connect', 'alpha', 'orphan_uncorrected', 'zeta'])
  })

  it('orders counters with the usual ones first', () => {
    expect(orderCounters(['custom', 'errors', 'sent', 'delivered'])).toEqual(['sent', 'delivered', 'errors', 'custom'])
  })
})

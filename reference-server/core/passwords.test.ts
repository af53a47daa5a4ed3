import {randomBytes, scryptSync} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {hashPassword, verifyPassword} from './passwords.js'

describe('stored passwords', () => {
  it('verify at the cost they were hashed with, whatever the cost is now', async () => {
    const cheap = await hashPassword('secret', 4)
    expect(cheap).toMatch(/^scrypt\$4\$/)
    expect(await verifyPassword('secret', cheap)).toBe(true)
    expect(await verifyPassword('Secret', cheap)).toBe(false)
    expect(await verifyPassword('secret', await hashPassword('secret'))).toBe(true)
  })

  it('verify hashes stored before the cost was recorded (N = 1024)', async () => {
    const salt = randomBytes(16)
    const old = `scrypt$${salt.toString('base64url')}$${scryptSync('pw', salt, 32, {N: 1024, r: 8, p: 1}).toString('base64url')}`
    expect(await verifyPassword('pw', old)).toBe(true)
    expect(await verifyPassword('pw', 'scrypt$nonsense')).toBe(false)
  })
})

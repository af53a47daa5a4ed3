import {randomBytes, scrypt, timingSafeEqual} from 'node:crypto'
import {promisify} from 'node:util'

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>

// N = 2^10 keeps a login near a millisecond: this server exists to be load-tested, and a login
// storm should measure the protocol path, not password hashing. Not a production setting.
const PARAMS = {N: 1024, r: 8, p: 1}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, 32, PARAMS)
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split('$')
  if (!salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, PARAMS)
  return timingSafeEqual(actual, expected)
}

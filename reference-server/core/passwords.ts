import {randomBytes, scrypt, timingSafeEqual} from 'node:crypto'
import {promisify} from 'node:util'

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>

// N = 2^10 by default keeps a login near a millisecond: this server exists to be load-tested, and
// a login storm should measure the protocol path, not password hashing. Not a production setting;
// `--password-cost` lowers it further for storms of 100,000 logins, or raises it.
const DEFAULT_LOG2N = 10

/** A stored hash: `scrypt$<log2 N>$<salt>$<hash>`, so a hash keeps verifying after the cost changes. */
export async function hashPassword(password: string, log2N = DEFAULT_LOG2N): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, 32, {N: 2 ** log2N, r: 8, p: 1})
  return `scrypt$${log2N}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  // Hashes stored before the cost was recorded have no cost field: the default's.
  const [log2N, salt, hash] = parts.length === 3 ? [DEFAULT_LOG2N, parts[1], parts[2]] : [Number(parts[1]), parts[2], parts[3]]
  if (!salt || !hash || !Number.isInteger(log2N)) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {N: 2 ** log2N, r: 8, p: 1})
  return timingSafeEqual(actual, expected)
}

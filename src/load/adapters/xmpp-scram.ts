import {createRequire} from 'node:module'
import {pbkdf2} from 'node:crypto'

/** RFC 5802 §2.2 Hi(): PBKDF2-HMAC-SHA-1 with one 20-byte block, natively (libuv's pool, OpenSSL). */
export function nativeHi(text: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(text, salt, iterations, 20, 'sha1', (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))))
  })
}

let patched = false

/**
 * Makes @xmpp/client's SCRAM-SHA-1 (the `sasl-scram-sha-1` package) compute Hi() natively. Its own
 * Hi() awaits two WebCrypto calls per iteration: 4096 iterations (Prosody's count) take ~0.7 s of a
 * worker per login, which would make a login storm measure the harness. The result is the same
 * bytes (RFC 5802 defines Hi as PBKDF2); the package reads `bitops.Hi` at each call, so replacing
 * the export takes effect for every client. Idempotent.
 */
export function useNativeScram(): void {
  if (patched) return
  const require = createRequire(createRequire(import.meta.url).resolve('@xmpp/sasl-scram-sha-1'))
  const bitops = require(require.resolve('sasl-scram-sha-1/lib/bitops.js')) as {Hi: typeof nativeHi}
  bitops.Hi = nativeHi
  patched = true
}

/** The package's own Hi(), for the unit test that checks both agree. */
export function libraryHi(): typeof nativeHi {
  const require = createRequire(createRequire(import.meta.url).resolve('@xmpp/sasl-scram-sha-1'))
  return (require(require.resolve('sasl-scram-sha-1/lib/bitops.js')) as {Hi: typeof nativeHi}).Hi
}

import {pbkdf2} from 'node:crypto'
// The module the SCRAM-SHA-1 mechanism of @xmpp/client calls at each login (`bitops.Hi(...)`).
// Imported statically so that a bundle (build/bundle.mjs) holds one copy of it, the one patched.
import bitops from 'sasl-scram-sha-1/lib/bitops.js'

/** RFC 5802 §2.2 Hi(): PBKDF2-HMAC-SHA-1 with one 20-byte block, natively (libuv's pool, OpenSSL). */
export function nativeHi(text: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(text, salt, iterations, 20, 'sha1', (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))))
  })
}

const ownHi = bitops.Hi

/**
 * Makes @xmpp/client's SCRAM-SHA-1 (the `sasl-scram-sha-1` package) compute Hi() natively. Its own
 * Hi() awaits two WebCrypto calls per iteration: 4096 iterations (Prosody's count) take ~0.7 s of a
 * worker per login, which would make a login storm measure the harness. The result is the same
 * bytes (RFC 5802 defines Hi as PBKDF2); the package reads `bitops.Hi` at each call, so replacing
 * the export takes effect for every client. Idempotent.
 */
export function useNativeScram(): void {
  bitops.Hi = nativeHi
}

/** The Hi() the library calls now, and its own one, for the unit test that checks both agree. */
export function libraryHi(): {current: typeof nativeHi; own: typeof nativeHi} {
  return {current: bitops.Hi, own: ownHi}
}

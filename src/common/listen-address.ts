/** What a listen-address flag takes, for its help and its error. */
export const LISTEN_ADDRESS_FORMAT = '[HOST]:PORT such as :9464 or 127.0.0.1:9464'

/**
 * A listen address as flags take it (`--prometheus`, `imh serve --metrics`): `:9464` (every
 * interface), `127.0.0.1:9464`, `[::1]:9464`; port 0 picks a free one. Undefined when it is not
 * one: the caller names its flag in the error.
 */
export function parseListenAddress(text: string): {host?: string; port: number} | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = Number(m?.[3])
  if (!m || port > 65535) return undefined
  const host = m[1] ?? m[2]
  return {host: host === '' ? undefined : host, port}
}

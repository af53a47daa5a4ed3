import {ImhError} from '../../protocol/errors.js'

/** `--prometheus` as given: `:9464` (every interface), `127.0.0.1:9464`, `[::1]:9464`; port 0 picks a free one. */
export function parseListenAddress(text: string, flag = '--prometheus'): {host?: string; port: number} {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = Number(m?.[3])
  if (!m || port > 65535) throw new ImhError('IMH_ERR_INVALID_OPTION', `${flag}: expected [HOST]:PORT such as :9464 or 127.0.0.1:9464, got "${text}"`, {option: flag})
  const host = m[1] ?? m[2]
  return {host: host === '' ? undefined : host, port}
}

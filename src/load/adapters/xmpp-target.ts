import {ImhError} from '../../protocol/index.js'

/** Where an XMPP client connects: `xmpp://HOST:PORT` (plain TCP, STARTTLS if offered) or `xmpps://HOST:PORT` (direct TLS). */
export interface XmppTarget {
  /** The service URL as @xmpp/client takes it. */
  service: string
  host: string
  port: number
  secure: boolean
}

/** Reads `--target`; a URL of another scheme or without a host is refused (IMH_ERR_INVALID_OPTION). */
export function parseXmppTarget(target: string): XmppTarget {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `target ${JSON.stringify(target)} is not a URL (want xmpp://HOST:PORT or xmpps://HOST:PORT)`, {option: 'target'})
  }
  const secure = url.protocol === 'xmpps:'
  if ((url.protocol !== 'xmpp:' && !secure) || url.hostname === '') {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `target ${JSON.stringify(target)}: want xmpp://HOST:PORT or xmpps://HOST:PORT`, {option: 'target'})
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = url.port ? Number(url.port) : secure ? 5223 : 5222
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {service: `${secure ? 'xmpps' : 'xmpp'}://${urlHost}:${port}`, host, port, secure}
}

const PLACEHOLDER = /\{(\w+)\}/g

/** The placeholders a `username` template may use. */
export const USERNAME_PLACEHOLDERS = ['username', 'index'] as const

/** The template's first placeholder that is not `{username}` or `{index}`, if any. */
export function unknownPlaceholder(template: string): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) if (!(USERNAME_PLACEHOLDERS as readonly string[]).includes(name!)) return name
  return undefined
}

/** The account name of client `index`: `{username}` → the harness's unique name, `{index}` → the client's index. */
export function expandUsername(template: string, values: {username: string; index: number}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name === 'username' ? values.username : name === 'index' ? String(values.index) : whole))
}

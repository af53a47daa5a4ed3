import {ImhError} from '../src/protocol/index.js'
import type {ServerLimits} from './config.js'

/** What the standalone server process (main.js) takes, as one JSON argument. */
export interface ProcessOptions {
  host?: string
  port?: number
  publicHost?: string
  limits?: Partial<ServerLimits>
  /** The flows to run (ReferenceServerOptions.flows); the server checks the names. */
  flows?: string[]
  /** ReferenceServerOptions.groups, .redis, .node and .metrics. */
  groups?: string[]
  redis?: {url: string; prefix?: string}
  node?: string
  metrics?: {host?: string; port: number}
  /** PEM text of the certificate and key (ReferenceServerOptions.tls). */
  tls?: {cert: string; key: string}
}

const FIELDS: Record<keyof ProcessOptions, 'string' | 'number' | 'object' | 'array'> = {
  host: 'string', port: 'number', publicHost: 'string', limits: 'object', flows: 'array', groups: 'array', redis: 'object', node: 'string', metrics: 'object', tls: 'object',
}

/** Reads main.js's argument; the server checks the values (port range, limits) when it starts. */
export function parseProcessOptions(json: string | undefined): ProcessOptions {
  let value: unknown
  try {
    value = JSON.parse(json ?? '{}')
  } catch (err) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `the options argument is not JSON: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'the options argument must be a JSON object')
  for (const [key, v] of Object.entries(value)) {
    const type = FIELDS[key as keyof ProcessOptions]
    if (!type) throw new ImhError('IMH_ERR_INVALID_OPTION', `unknown option "${key}"; known: ${Object.keys(FIELDS).join(', ')}`, {option: key})
    if (type === 'array') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${key} must be an array of strings`, {option: key})
      continue
    }
    if (typeof v !== type || v === null || Array.isArray(v)) throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${key} must be a ${type === 'object' ? 'JSON object' : type}`, {option: key})
  }
  return value as ProcessOptions
}

import type {LimitSpec} from '../src/protocol/index.js'
import {ALL_LIMIT_SPECS, type ServerLimits} from './config.js'
import type {AnyServerFlow} from './flow.js'
import {SERVER_FLOWS} from './flows.js'
import {LISTENERS, UDP_FLOWS, maxBasePort} from './port-layout.js'

/** One flag of `imh serve`, as its help and the README's table show it. */
export interface ServeFlag {
  /** Without the dashes. */
  name: string
  /** The default as shown; absent: none, or `defaultText`. */
  default?: string | number
  defaultText?: string
  min?: number
  max?: number
  unit?: string
  /** PROTOCOL.md section. */
  section?: string
  /** What it sets. */
  description: string
}

/** A flag that sets one server limit (its spec has a `flag`). */
export interface LimitFlag extends ServeFlag {
  limit: keyof ServerLimits
  default: number
  min: number
  max: number
}

const flagOf = (key: string): string | undefined => ALL_LIMIT_SPECS.find((s) => s.key === key)?.flag

function inWords(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

const others = LISTENERS.slice(1).map((l) => l.name)
const udp = UDP_FLOWS.map(({udp: u}) => {
  const flag = typeof u!.count === 'string' ? flagOf(u!.count) : undefined
  return `${u!.label ?? `the ${u!.group} group's UDP ports`}${flag ? ` (--${flag})` : ''}`
})

/** Where the server listens and what it calls itself. */
export const ADDRESS_FLAGS = {
  host: {name: 'host', default: '127.0.0.1', description: 'address to bind'},
  port: {
    name: 'port', default: 0, min: 0, max: maxBasePort(0), section: '2.2',
    description: `${LISTENERS[0]!.name} port; ${inWords(others)} take the next ${others.length}${udp.length > 0 ? `, ${inWords(udp)} the ones after` : ''}; 0: every port ephemeral`,
  },
  'public-host': {name: 'public-host', defaultText: 'the bound host; 127.0.0.1 for a wildcard', section: '2.2', description: "host name written into the scheduler's URLs"},
  'tls-cert': {name: 'tls-cert', description: 'PEM certificate: serve HTTPS, WSS and TLS streams (the scheduler then lists https://, wss:// and tls://)'},
  'tls-key': {name: 'tls-key', description: 'PEM private key for --tls-cert'},
  metrics: {name: 'metrics', defaultText: 'off', description: 'serve Prometheus metrics (process, long links held, long-link frames in and out by cmd, errors by code, SYNC notify-to-pull time, HTTP answers by group and status, relay datagrams by outcome, Redis round trip) at http://[HOST]:PORT/metrics, e.g. :9100 or 127.0.0.1:0 (a free port; the ready line names it as "metrics"); with --nodes, node i takes PORT+i'},
} as const satisfies Record<string, ServeFlag>

function limitFlag(spec: LimitSpec<keyof ServerLimits>): LimitFlag {
  return {name: spec.flag!, limit: spec.key, default: spec.default, min: spec.min, max: spec.max, unit: spec.unit, section: spec.section, description: spec.description}
}

/** One flag per limit whose spec names a flag, in the order of the specs. */
export const LIMIT_FLAGS: readonly LimitFlag[] = ALL_LIMIT_SPECS.filter((s) => s.flag !== undefined).map(limitFlag)

/** The flows `imh serve` runs, for its summary: "core, qr, talk, …". */
export const SERVED_FLOWS = SERVER_FLOWS.map((f) => f.name).join(', ')

/** Which flows run (ReferenceServerOptions.flows): a server of the core and a few features, for conformance runs. */
export const FLOWS_FLAG = {
  name: 'flows', defaultText: 'every flow', section: '2.2',
  description: `run only these flows, comma-separated (core always runs): ${SERVED_FLOWS}; the others open no listener, are not announced in the scheduler's features, and their commands are answered IMH_ERR_UNKNOWN_CMD, their routes 404`,
} as const satisfies ServeFlag

/** The groups a process may serve alone (`--groups`): every listener, and the UDP groups. */
export const GROUP_NAMES: readonly string[] = [...new Set([...LISTENERS.flatMap((l) => (l.group ? [] : [l.name])), ...UDP_FLOWS.flatMap((f) => (f.udp!.group ? [f.udp!.group] : []))])]

/** Several nodes sharing state in Redis (PROTOCOL.md §2.5). */
export const GROUP_FLAGS = {
  redis: {name: 'redis', defaultText: 'off: state in this process\'s memory', section: '2.5', description: 'keep every store in this Redis (redis://[:password@]host:port[/db]) so that nodes share users, inboxes, QR logins, orders …; needed by --nodes'},
  'redis-prefix': {name: 'redis-prefix', default: 'imh:', section: '2.5', description: 'put before every Redis key, so that several servers can share one Redis apart'},
  nodes: {name: 'nodes', default: 1, min: 1, max: 32, section: '2.5', description: 'start this many node processes, each serving the groups on ports of its own (with --port: the next free block after the previous node\'s) and sharing --redis; the ready line lists every node under "nodes"'},
  groups: {name: 'groups', defaultText: 'every group', section: '2.5', description: `serve only these groups, comma-separated: ${GROUP_NAMES.join(', ')}; e.g. one process per group, on machines of their own, sharing --redis`},
} as const satisfies Record<string, ServeFlag>

/** Every flag of `imh serve`. */
export const SERVE_FLAGS: readonly ServeFlag[] = [...Object.values(ADDRESS_FLAGS), FLOWS_FLAG, ...Object.values(GROUP_FLAGS), ...LIMIT_FLAGS]

/** A unit worth printing after a number ('count' goes without). */
function unitOf(flag: ServeFlag): string {
  return flag.unit && flag.unit !== 'count' ? ` ${flag.unit}` : ''
}

/** The flag's range as shown, e.g. "100–300000"; '' without one. */
export function flagRange(flag: ServeFlag): string {
  return flag.min !== undefined && flag.max !== undefined ? `${flag.min}–${flag.max}` : ''
}

/** The flag's default as shown; '' without one. */
export function flagDefault(flag: ServeFlag): string {
  return flag.default !== undefined ? String(flag.default) : (flag.defaultText ?? '')
}

/** The `--help` line: what it sets, then the range, unit and default derived from the declaration. */
export function serveFlagHelp(flag: ServeFlag): string {
  const range = flagRange(flag)
  const facts = [range && `${range}${unitOf(flag)}`, flagDefault(flag) && `default ${flagDefault(flag)}${range || flag.default === undefined ? '' : unitOf(flag)}`].filter(Boolean)
  return facts.length > 0 ? `${flag.description} (${facts.join(', ')})` : flag.description
}

/** The limits the limit flags set; flags not given stay undefined (the default applies). */
export function limitsFromFlags(values: Readonly<Record<string, unknown>>): Partial<ServerLimits> {
  return Object.fromEntries(LIMIT_FLAGS.map((f) => [f.limit, values[f.name] as number | undefined]))
}

/** The shape of the ready line (run-until-signal.ts) for `imh serve --help`, from the listeners and UDP ports of the flows. */
export function readyLineShape(): string {
  const flows: readonly AnyServerFlow[] = SERVER_FLOWS
  const fields = [
    '"event":"ready"',
    `"${LISTENERS[0]!.name}":"http://HOST:PORT${LISTENERS[0]!.path ?? ''}"`,
    ...LISTENERS.slice(1).map((l) => `"${l.name}":…`),
    ...UDP_FLOWS.flatMap((f) => (f.udp!.group ? [`"${f.udp!.group}":["udp://HOST:PORT",…]`] : [])),
    ...(flows.some((f) => f.resolver) ? ['"dns":"HOST:PORT"'] : []),
    '"groups":{…}',
    '"pid":…',
  ]
  return `{${fields.join(',')}}`
}

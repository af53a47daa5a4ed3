import {
  EXECUTOR_KINDS, type ExecutorKind, type ExecutorSpec, SCENARIO_KINDS, type ScenarioKind, type ScenarioOptions,
  type ScenarioSpec, type Stage,
} from '../types.js'
import {durationField} from './duration.js'
import {type Check, MapReader, bool, check, integer, invalid, join, number, oneOf, show} from './fields.js'

const COMMON_FIELDS = ['scenario', 'executor', 'startTime', 'gracefulStop']

// YAML names, so that errors can say which executor or scenario kind a misplaced field belongs to.
const EXECUTOR_FIELDS: Record<ExecutorKind, readonly string[]> = {
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
}

const OPTION_FIELDS: Record<ScenarioKind, readonly string[]> = {
  chat: ['messageRate', 'messageSize', 'heartbeatInterval', 'requestTimeout'],
  heartbeat: ['heartbeatInterval', 'requestTimeout'],
  'login-storm': ['hold', 'requestTimeout'],
  'ws-ping': ['url', 'heartbeatInterval', 'payloadSize', 'requestTimeout'],
  http: ['url', 'method', 'headers', 'body', 'expectStatus', 'requestTimeout'],
  'qr-login': ['loginRate', 'confirmDelay', 'requestTimeout'],
  talk: ['talkDuration', 'pps', 'packetSize', 'echo', 'requestTimeout'],
  nearby: ['spread', 'queryInterval', 'radius', 'pageSize', 'requestTimeout'],
  shake: ['spread', 'shakeInterval', 'jitter', 'requestTimeout'],
  bottle: ['throwInterval', 'pickInterval', 'replyRatio', 'bottleSize', 'requestTimeout'],
  moments: ['friends', 'postInterval', 'timelineInterval', 'likeRatio', 'imageSize', 'heartbeatInterval', 'requestTimeout'],
  download: ['chunkSize', 'revalidate', 'path', 'pause', 'requestTimeout'],
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'] as const
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const anyDuration = durationField()
const positiveDuration = durationField({positive: true})
const ppsField = check('a number from 1 to 10000', (v) => typeof v === 'number' && v >= 1 && v <= 10_000 ? v : undefined)
const ratioField = check('a number from 0 to 1', (v) => typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined)
const string = check('a string', (v) => typeof v === 'string' ? v : undefined)
const mediaPath = check('a path starting with /', (v) => typeof v === 'string' && v.startsWith('/') ? v : undefined)

/** Parses `scenarios.<name>` of a profile. */
export function parseScenario(name: string, value: unknown, file: string): ScenarioSpec {
  const r = new MapReader(file, join('scenarios', name), value, 'a map of scenario settings')
  const scenario = r.required('scenario', oneOf(SCENARIO_KINDS))
  const executor = r.required('executor', oneOf(EXECUTOR_KINDS))
  r.unknown([...COMMON_FIELDS, ...EXECUTOR_FIELDS[executor], ...OPTION_FIELDS[scenario]], (key) => {
    const executors = EXECUTOR_KINDS.filter((k) => EXECUTOR_FIELDS[k].includes(key))
    if (executors.length) return `field "${key}" does not apply to executor ${executor} (only to ${executors.join(', ')})`
    const kinds = SCENARIO_KINDS.filter((k) => OPTION_FIELDS[k].includes(key))
    if (kinds.length) return `field "${key}" does not apply to scenario ${scenario} (only to ${kinds.join(', ')})`
    return undefined
  })
  return {
    name,
    scenario,
    spec: executorSpec(r, executor, r.optional('gracefulStop', anyDuration, 5000)),
    startTimeMs: r.optional('startTime', anyDuration, 0),
    options: scenarioOptions(r, scenario),
  }
}

function executorSpec(r: MapReader, executor: ExecutorKind, gracefulStopMs: number): ExecutorSpec {
  const needs = ` by executor ${executor}`
  switch (executor) {
    case 'constant-vus':
      return {executor, vus: r.required('vus', integer(1), needs), durationMs: r.required('duration', positiveDuration, needs), gracefulStopMs}
    case 'ramping-vus': {
      const startVUs = r.optional('startVUs', integer(0), 0)
      const stages = r.required('stages', stageList(integer(0)), needs)
      if (Math.max(startVUs, ...stages.map((s) => s.target)) < 1) r.fail('stages', 'the VUs never rise above 0; give at least one stage a target >= 1')
      return {executor, startVUs, stages, gracefulRampDownMs: r.optional('gracefulRampDown', anyDuration, 5000), gracefulStopMs}
    }
    case 'constant-arrival-rate': {
      const rate = r.required('rate', number({above: 0}), needs)
      const timeUnitMs = r.optional('timeUnit', positiveDuration, 1000)
      const durationMs = r.required('duration', positiveDuration, needs)
      return {executor, rate, timeUnitMs, durationMs, ...vuPool(r, needs), gracefulStopMs}
    }
    case 'ramping-arrival-rate': {
      const startRate = r.optional('startRate', number({min: 0}), 0)
      const timeUnitMs = r.optional('timeUnit', positiveDuration, 1000)
      const stages = r.required('stages', stageList(number({min: 0})), needs)
      if (Math.max(startRate, ...stages.map((s) => s.target)) <= 0) r.fail('stages', 'the rate never rises above 0; give at least one stage a target > 0')
      return {executor, startRate, timeUnitMs, stages, ...vuPool(r, needs), gracefulStopMs}
    }
  }
}

function vuPool(r: MapReader, needs: string): {preAllocatedVUs: number; maxVUs: number} {
  const preAllocatedVUs = r.required('preAllocatedVUs', integer(1), needs)
  const maxVUs = r.optional('maxVUs', integer(1), preAllocatedVUs)
  if (maxVUs < preAllocatedVUs) r.fail('maxVUs', `expected an integer >= preAllocatedVUs (${preAllocatedVUs}), got ${maxVUs}`)
  return {preAllocatedVUs, maxVUs}
}

function stageList(target: Check<number>): Check<Stage[]> {
  const what = 'a non-empty list of stages like {duration: 10s, target: 100}'
  const fn = (value: unknown, field: string, file: string): Stage[] => {
    if (!Array.isArray(value) || value.length === 0) throw invalid(file, field, `expected ${what}, got ${Array.isArray(value) ? 'an empty list' : show(value)}`)
    const stages = value.map((item, i) => {
      const s = new MapReader(file, join(field, i), item, 'a stage like {duration: 10s, target: 100}')
      s.unknown(['duration', 'target'])
      return {durationMs: s.required('duration', anyDuration), target: s.required('target', target)}
    })
    if (stages.every((s) => s.durationMs === 0)) throw invalid(file, field, 'the stages last 0s in total; give at least one a duration > 0')
    return stages
  }
  return Object.assign(fn, {what})
}

function scenarioOptions(r: MapReader, kind: ScenarioKind): ScenarioOptions {
  const requestTimeoutMs = r.optional('requestTimeout', positiveDuration, 10_000)
  switch (kind) {
    case 'chat': return {
      messageRate: r.optional('messageRate', number({above: 0}), 0.2),
      messageSize: r.optional('messageSize', integer(1, 65536), 64),
      heartbeatIntervalMs: r.optional('heartbeatInterval', heartbeatInterval, 'server'),
      requestTimeoutMs,
    }
    case 'heartbeat': return {heartbeatIntervalMs: r.optional('heartbeatInterval', heartbeatInterval, 'server'), requestTimeoutMs}
    case 'login-storm': return {holdMs: r.optional('hold', anyDuration, 0), requestTimeoutMs}
    case 'ws-ping': return dropUndefined({
      url: r.optional('url', urlOf(['ws:', 'wss:'])),
      heartbeatIntervalMs: r.optional('heartbeatInterval', pingInterval, 1000),
      payloadSize: r.optional('payloadSize', integer(0, 125), 16),
      requestTimeoutMs,
    })
    case 'http': return dropUndefined({
      url: r.optional('url', urlOf(['http:', 'https:'])),
      method: r.optional('method', oneOf(HTTP_METHODS), 'GET'),
      headers: r.optional('headers', headers),
      body: r.optional('body', string),
      expectStatus: r.optional('expectStatus', statusList),
      requestTimeoutMs,
    })
    case 'qr-login': return {
      loginRate: r.optional('loginRate', number({above: 0}), 0.1),
      confirmDelayMs: r.optional('confirmDelay', anyDuration, 500),
      requestTimeoutMs,
    }
    case 'talk': return {
      talkDurationMs: r.optional('talkDuration', positiveDuration, 5000),
      pps: r.optional('pps', ppsField, 50),
      packetSize: r.optional('packetSize', integer(0, 1200), 160),
      echo: r.optional('echo', bool, false),
      requestTimeoutMs,
    }
    case 'nearby': return {
      spreadM: r.optional('spread', number({min: 0}), 2000),
      queryIntervalMs: r.optional('queryInterval', positiveDuration, 2000),
      radiusM: r.optional('radius', number({above: 0}), 1000),
      pageSize: r.optional('pageSize', integer(1, 100), 20),
      requestTimeoutMs,
    }
    case 'shake': return {
      spreadM: r.optional('spread', number({min: 0}), 5000),
      shakeIntervalMs: r.optional('shakeInterval', positiveDuration, 5000),
      shakeJitterMs: r.optional('jitter', anyDuration, 200),
      requestTimeoutMs,
    }
    case 'bottle': return {
      throwIntervalMs: r.optional('throwInterval', positiveDuration, 2000),
      pickIntervalMs: r.optional('pickInterval', positiveDuration, 1000),
      replyRatio: r.optional('replyRatio', ratioField, 0.5),
      bottleSize: r.optional('bottleSize', integer(1, 1024), 64),
      requestTimeoutMs,
    }
    case 'moments': return {
      friends: r.optional('friends', integer(0, 100), 4),
      postIntervalMs: r.optional('postInterval', positiveDuration, 5000),
      timelineIntervalMs: r.optional('timelineInterval', positiveDuration, 2000),
      likeRatio: r.optional('likeRatio', ratioField, 0.3),
      imageSize: r.optional('imageSize', integer(0, 2 * 1024 * 1024), 4096),
      heartbeatIntervalMs: r.optional('heartbeatInterval', heartbeatInterval, 'server'),
      requestTimeoutMs,
    }
    case 'download': return {
      chunkSize: r.optional('chunkSize', integer(0, 1024 * 1024 * 1024), 1024 * 1024),
      revalidate: r.optional('revalidate', bool, false),
      path: r.optional('path', mediaPath, '/download/game.bin'),
      pauseMs: r.optional('pause', anyDuration, 0),
      requestTimeoutMs,
    }
  }
}

const heartbeatInterval: Check<number | 'server'> = Object.assign(
  (value: unknown, field: string, file: string): number | 'server' => {
    if (value === 'server') return 'server'
    try {
      return positiveDuration(value, field, file)
    } catch {
      throw invalid(file, field, `expected a duration > 0 like '5s', or 'server' (the interval the server announces), got ${show(value)}`)
    }
  },
  {what: "a duration like '5s', or 'server'"},
)

// A plain WebSocket ping has no server-announced interval to follow.
const pingInterval: Check<number> = Object.assign(
  (value: unknown, field: string, file: string): number => {
    if (value === 'server') throw invalid(file, field, `'server' is only for chat and heartbeat, whose server announces an interval; expected ${positiveDuration.what}`)
    return positiveDuration(value, field, file)
  },
  {what: positiveDuration.what},
)

function urlOf(protocols: string[]): Check<string> {
  const schemes = protocols.map((p) => `${p}//`).join(' or ')
  return check(`a ${schemes} URL`, (v) => {
    if (typeof v !== 'string') return undefined
    try {
      return protocols.includes(new URL(v).protocol) ? v : undefined
    } catch {
      return undefined
    }
  })
}

const headers: Check<Record<string, string>> = Object.assign(
  (value: unknown, field: string, file: string): Record<string, string> => {
    const h = new MapReader(file, field, value, 'a map of header name: value')
    for (const [name, v] of Object.entries(h.map)) {
      if (!HEADER_NAME.test(name)) h.fail(name, `${JSON.stringify(name)} is not a valid HTTP header name`)
      if (typeof v !== 'string') h.fail(name, `expected a string, got ${show(v)}${typeof v === 'number' || typeof v === 'boolean' ? ` (quote it: '${v}')` : ''}`)
    }
    return {...h.map} as Record<string, string>
  },
  {what: 'a map of header name: value'},
)

const statusList: Check<number[]> = Object.assign(
  (value: unknown, field: string, file: string): number[] => {
    if (!Array.isArray(value) || value.length === 0) throw invalid(file, field, `expected a non-empty list of HTTP statuses like [200, 204], got ${show(value)}`)
    return value.map((v, i) => integer(100, 599)(v, join(field, i), file))
  },
  {what: 'a list of HTTP statuses like [200, 204]'},
)

function dropUndefined(o: ScenarioOptions): ScenarioOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ScenarioOptions
}

import {thrown} from '../../../test/support/thrown.js'
import {mkdtemp, mkdir, writeFile} from 'node:fs/promises'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ImhError, isImhError} from '../../protocol/errors.js'
import {BUILTIN_PROFILES_DIR, listBuiltinProfiles, loadProfile, parseProfile} from './load-profile.js'
import {SCENARIO_KINDS} from '../scenarios/index.js'

/** The built-in profiles: one named after each scenario kind, plus mixed and smoke, sorted. */
const BUILTINS = [...SCENARIO_KINDS, 'mixed', 'smoke'].sort()

const FILE = 'profiles/bad.yaml'

const errorOf = (fn: () => unknown): ImhError => thrown(fn) as ImhError

describe('parseProfile', () => {
  it('maps the YAML format onto the Profile contract, filling defaults', () => {
    const p = parseProfile(`
description: Pairs of clients chatting
options:
  workers: 2
  seed: 7
scenarios:
  pairs:
    scenario: chat
    executor: constant-vus
    vus: 10
    duration: 1m30s
    startTime: 2s
  ramp:
    scenario: heartbeat
    executor: ramping-vus
    stages:
      - {duration: 10s, target: 100}
      - {duration: 5s, target: 0}
  storm:
    scenario: login-storm
    executor: ramping-arrival-rate
    timeUnit: 1m
    stages: [{duration: 10s, target: 600}]
    preAllocatedVUs: 5
    hold: 1s
  web:
    scenario: http
    executor: constant-arrival-rate
    rate: 10
    duration: 5s
    preAllocatedVUs: 2
    maxVUs: 4
    url: https://example.com/health
    method: POST
    headers: {content-type: application/json}
    body: '{}'
    expectStatus: [200, 204]
thresholds:
  sync_latency: ['p(99)<200', 'p(50) < 20']
  errors:
    - threshold: count==0
      abortOnFail: true
      delayAbortEval: 5s
`, 'dir/my-chat.yml')
    expect(p.name).toBe('my-chat')
    expect(p.description).toBe('Pairs of clients chatting')
    expect(p.file).toBe('dir/my-chat.yml')
    expect(p.options).toEqual({drainMs: 10_000, workers: 2, sourceAddresses: 16, rampConcurrency: 20, maxEventLoopLagMs: 100, seed: 7})
    expect(p.scenarios).toEqual([
      {
        name: 'pairs', scenario: 'chat', startTimeMs: 2000,
        spec: {executor: 'constant-vus', vus: 10, durationMs: 90_000, gracefulStopMs: 5000},
        options: {messageRate: 0.2, messageSize: 64, heartbeatIntervalMs: 'server', reconnectAttempts: 8, reconnectBaseMs: 250, reconnectCapMs: 8000, requestTimeoutMs: 10_000},
      },
      {
        name: 'ramp', scenario: 'heartbeat', startTimeMs: 0,
        spec: {executor: 'ramping-vus', startVUs: 0, stages: [{durationMs: 10_000, target: 100}, {durationMs: 5000, target: 0}], gracefulRampDownMs: 5000, gracefulStopMs: 5000},
        options: {heartbeatIntervalMs: 'server', reconnectAttempts: 8, reconnectBaseMs: 250, reconnectCapMs: 8000, requestTimeoutMs: 10_000},
      },
      {
        name: 'storm', scenario: 'login-storm', startTimeMs: 0,
        spec: {executor: 'ramping-arrival-rate', startRate: 0, timeUnitMs: 60_000, stages: [{durationMs: 10_000, target: 600}], preAllocatedVUs: 5, maxVUs: 5, gracefulStopMs: 5000},
        options: {holdMs: 1000, requestTimeoutMs: 10_000},
      },
      {
        name: 'web', scenario: 'http', startTimeMs: 0,
        spec: {executor: 'constant-arrival-rate', rate: 10, timeUnitMs: 1000, durationMs: 5000, preAllocatedVUs: 2, maxVUs: 4, gracefulStopMs: 5000},
        options: {url: 'https://example.com/health', method: 'POST', headers: {'content-type': 'application/json'}, body: '{}', expectStatus: [200, 204], requestTimeoutMs: 10_000},
      },
    ])
    expect(p.thresholds).toEqual([
      {metric: 'sync_latency', expressions: [{source: 'p(99)<200', abortOnFail: false, delayAbortEvalMs: 0}, {source: 'p(50) < 20', abortOnFail: false, delayAbortEvalMs: 0}]},
      {metric: 'errors', expressions: [{source: 'count==0', abortOnFail: true, delayAbortEvalMs: 5000}]},
    ])
  })

  it('takes the long link transport as an option, absent unless given', () => {
    expect(parseProfile(`${chat()}options: {transport: tcp}\n`, FILE).options.transport).toBe('tcp')
    expect('transport' in parseProfile(chat(), FILE).options).toBe(false)
  })

  it("resolves workers: auto to the machine's parallelism, capped at 64", () => {
    const p = parseProfile('options: {workers: auto}\nscenarios: {a: {scenario: ws-ping, executor: constant-vus, vus: 1, duration: 1s}}', 'x.yaml')
    expect(p.options.workers).toBe(Math.min(64, availableParallelism()))
    expect(p.scenarios[0]!.options).toEqual({heartbeatIntervalMs: 1000, payloadSize: 16, requestTimeoutMs: 10_000})
  })

  const scenario = (body: string) => `scenarios:\n  pairs:\n${body.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n`
  const chat = (extra = '') => scenario(`scenario: chat\nexecutor: constant-vus\nvus: 2\nduration: 5s\n${extra}`)

  it.each([
    ['unknown executor', scenario('scenario: chat\nexecutor: constant-vu\nvus: 2\nduration: 5s'), 'scenarios.pairs.executor',
      ['"constant-vu" is not allowed; expected one of constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate', 'did you mean "constant-vus"']],
    ['unknown scenario kind', scenario('scenario: chatting\nexecutor: constant-vus'), 'scenarios.pairs.scenario',
      ['expected one of chat, heartbeat, login-storm, ws-ping, http']],
    ['missing executor', scenario('scenario: chat\nvus: 2'), 'scenarios.pairs.executor', ['required; expected one of constant-vus']],
    ['unknown field', chat('stage: 1'), 'scenarios.pairs.stage',
      ['unknown field "stage"; allowed: scenario, executor, startTime, gracefulStop, vus, duration, messageRate']],
    ['typo with a suggestion', chat('mesageRate: 1'), 'scenarios.pairs.mesageRate', ['did you mean "messageRate"']],
    ['unknown top-level field', `${chat()}threshold: {}\n`, 'threshold', ['allowed: name, description, options, scenarios, thresholds, regressions']],
    ['unknown option', `${chat()}options: {workerz: 2}\n`, 'options.workerz', ['allowed: drain, workers, sourceAddresses']],
    ['stages on constant-vus', chat('stages: [{duration: 1s, target: 1}]'), 'scenarios.pairs.stages',
      ['does not apply to executor constant-vus (only to ramping-vus, ramping-arrival-rate)', 'allowed: scenario, executor']],
    ['negative vus', scenario('scenario: chat\nexecutor: constant-vus\nvus: -3\nduration: 5s'), 'scenarios.pairs.vus', ['expected an integer >= 1, got -3']],
    ['missing vus', scenario('scenario: chat\nexecutor: constant-vus\nduration: 5s'), 'scenarios.pairs.vus', ['required by executor constant-vus; expected an integer >= 1']],
    ['bare number duration', scenario('scenario: chat\nexecutor: constant-vus\nvus: 1\nduration: 30'), 'scenarios.pairs.duration', ["30 has no unit; write a duration like '20s' or '500ms'"]],
    ['zero duration', scenario('scenario: chat\nexecutor: constant-vus\nvus: 1\nduration: 0s'), 'scenarios.pairs.duration', ["expected a duration > 0 like '20s'"]],
    ['messageRate on heartbeat', scenario('scenario: heartbeat\nexecutor: constant-vus\nvus: 1\nduration: 1s\nmessageRate: 1'), 'scenarios.pairs.messageRate',
      ['does not apply to scenario heartbeat (only to chat)', 'allowed: scenario, executor, startTime, gracefulStop, vus, duration, heartbeatInterval, reconnectAttempts, reconnectBase, reconnectCap, requestTimeout']],
    ['maxVUs < preAllocatedVUs', scenario('scenario: http\nexecutor: constant-arrival-rate\nrate: 1\nduration: 1s\npreAllocatedVUs: 50\nmaxVUs: 10'), 'scenarios.pairs.maxVUs',
      ['expected an integer >= preAllocatedVUs (50), got 10']],
    ['bad url scheme', scenario('scenario: ws-ping\nexecutor: constant-vus\nvus: 1\nduration: 1s\nurl: http://example.com/ws'), 'scenarios.pairs.url',
      ['expected a ws:// or wss:// URL, got "http://example.com/ws"']],
    ['bad http method', scenario('scenario: http\nexecutor: constant-vus\nvus: 1\nduration: 1s\nmethod: FETCH'), 'scenarios.pairs.method', ['expected one of GET, POST, PUT, DELETE, HEAD, PATCH']],
    ['unquoted header number', scenario('scenario: http\nexecutor: constant-vus\nvus: 1\nduration: 1s\nheaders: {x-count: 5}'), 'scenarios.pairs.headers.x-count', ["expected a string, got 5 (quote it: '5')"]],
    ['status out of range', scenario('scenario: http\nexecutor: constant-vus\nvus: 1\nduration: 1s\nexpectStatus: [200, 700]'), 'scenarios.pairs.expectStatus[1]', ['expected an integer from 100 to 599, got 700']],
    ["'server' heartbeat on ws-ping", scenario('scenario: ws-ping\nexecutor: constant-vus\nvus: 1\nduration: 1s\nheartbeatInterval: server'), 'scenarios.pairs.heartbeatInterval', ["'server' is only for chat and heartbeat", "expected a duration > 0 like '20s'"]],
    ['bad chat heartbeat', chat('heartbeatInterval: often'), 'scenarios.pairs.heartbeatInterval', ["expected a duration > 0 like '5s', or 'server'"]],
    ['bad stage field', scenario('scenario: chat\nexecutor: ramping-vus\nstages:\n  - {duration: 1s, target: 1}\n  - {duration: 1s, targt: 2}'), 'scenarios.pairs.stages[1].targt',
      ['unknown field "targt"; allowed: duration, target']],
    ['negative stage target', scenario('scenario: chat\nexecutor: ramping-vus\nstages:\n  - {duration: 1s, target: -1}'), 'scenarios.pairs.stages[0].target', ['expected an integer >= 0, got -1']],
    ['empty stages', scenario('scenario: chat\nexecutor: ramping-vus\nstages: []'), 'scenarios.pairs.stages', ['expected a non-empty list of stages like {duration: 10s, target: 100}, got an empty list']],
    ['stages never above 0', scenario('scenario: chat\nexecutor: ramping-vus\nstages: [{duration: 1s, target: 0}]'), 'scenarios.pairs.stages', ['never rise above 0']],
    ['empty scenarios', 'scenarios: {}\n', 'scenarios', ['expected at least one scenario']],
    ['missing scenarios', 'name: x\n', 'scenarios', ['required; expected a map of scenario name: settings']],
    ['scenarios as a list', 'scenarios: [chat]\n', 'scenarios', ['expected a map of scenario name: settings, got a list']],
    ['bad scenario name', 'scenarios: {"My Pairs": {}}\n', 'scenarios.My Pairs', ['use lower-case letters, digits, _ and -']],
    ['bad threshold shape', `${chat()}thresholds:\n  errors: count==0\n`, 'thresholds.errors', ["expected a list of threshold expressions like ['p(99)<200']", 'got "count==0"']],
    ['bad threshold item', `${chat()}thresholds:\n  errors: [{threshold: count==0, abortOnFail: yes please}]\n`, 'thresholds.errors[0].abortOnFail', ['expected true or false, got "yes please"']],
    ['unknown threshold field', `${chat()}thresholds:\n  errors: [{expr: count==0}]\n`, 'thresholds.errors[0].expr', ['allowed: threshold, abortOnFail, delayAbortEval']],
    ['bad metric name', `${chat()}thresholds:\n  Sync-Latency: ['p(99)<1']\n`, 'thresholds.Sync-Latency', ['use lower-case letters, digits and _']],
    ['workers out of range', `${chat()}options: {workers: 100}\n`, 'options.workers', ["expected 'auto' or an integer from 0 to 64, got 100"]],
    ['unknown transport', `${chat()}options: {transport: udp}\n`, 'options.transport', ['udp']],
    ['regressions not a list', `${chat()}regressions:\n  errors: '+0'\n`, 'regressions.errors', ["expected a list of allowances like ['p(99)=+10%']"]],
    ['regression that does not fit', `${chat()}regressions:\n  sync_latency: ['+10%']\n`, 'regressions.sync_latency[0]', ['say which statistic']],
  ])('%s', (_title, yaml, field, texts) => {
    const err = errorOf(() => parseProfile(yaml, FILE))
    expect(err.code).toBe('IMH_ERR_PROFILE_INVALID')
    expect(err.message.startsWith(`${FILE}: ${field}: `)).toBe(true)
    for (const text of texts) expect(err.message).toContain(text)
    expect(err.details).toMatchObject({file: FILE, field})
  })

  it('reads regression limits as the metric:allowance sources imh compare takes', () => {
    const p = parseProfile(`${chat()}regressions:\n  sync_latency: ['p(99)=+10%', 'med = +2ms']\n  errors: ['+0']\n`, FILE)
    expect(p.regressions).toEqual(['sync_latency:p(99)=+10%', 'sync_latency:med = +2ms', 'errors:+0'])
    expect(parseProfile(chat(), FILE).regressions).toEqual([])
  })

  it('names the line of the offending field', () => {
    const err = errorOf(() => parseProfile(scenario('scenario: chat\nexecutor: constant-vus\nduration: 5s\nvus: 0'), FILE))
    expect(err.message).toBe(`${FILE}: scenarios.pairs.vus: expected an integer >= 1, got 0 (line 6)`)
    expect(err.details).toMatchObject({line: 6, column: 10})
  })

  it.each([
    ['an unclosed list', 'scenarios: [a, b\nname: x\n', 'line 2, column 1'],
    ['a duplicate key', 'name: a\nname: b\n', 'line 2, column 1'],
    ['a tab indent', 'scenarios:\n\tpairs: {}\n', 'line 2, column 1'],
  ])('reports YAML syntax errors with line and column: %s', (_title, yaml, where) => {
    const err = errorOf(() => parseProfile(yaml, FILE))
    expect(err.code).toBe('IMH_ERR_PROFILE_INVALID')
    expect(err.message).toContain(`${FILE}: ${where}: invalid YAML: `)
  })

  it.each([['', 'the profile is empty'], ['# nothing\n', 'the profile is empty'], ['- a\n', 'expected a map with a scenarios field, got a list'], ['x: *nope\n', 'invalid YAML']])(
    'refuses a document that is not a profile: %j', (yaml, text) => {
      const err = errorOf(() => parseProfile(yaml, FILE))
      expect(err.code).toBe('IMH_ERR_PROFILE_INVALID')
      expect(err.message).toContain(FILE)
      expect(err.message).toContain(text)
    })
})

describe('built-in profiles', () => {
  it('lists them from the package root', () => {
    expect(BUILTIN_PROFILES_DIR).toMatch(/profiles$/)
    // One per scenario kind (named after it), and the two that mix or shrink them.
    expect(listBuiltinProfiles()).toEqual(BUILTINS)
  })

  it.each(listBuiltinProfiles())('%s loads, has a description and names itself', async (name) => {
    const p = await loadProfile(name)
    expect(p.name).toBe(name)
    expect(p.description).not.toBe('')
    expect(p.file).toBe(join(BUILTIN_PROFILES_DIR, `${name}.yaml`))
    expect(p.scenarios.length).toBeGreaterThan(0)
    expect(p.thresholds.length).toBeGreaterThan(0)
  })

  it('smoke and login-storm hold the numbers they promise', async () => {
    const smoke = await loadProfile('smoke')
    expect(smoke.scenarios[0]).toMatchObject({scenario: 'chat', spec: {executor: 'constant-vus', vus: 10, durationMs: 5000}, options: {messageRate: 2, heartbeatIntervalMs: 1000}})
    const storm = await loadProfile('login-storm')
    expect(storm.scenarios[0]!.spec).toEqual({executor: 'constant-arrival-rate', rate: 50, timeUnitMs: 1000, durationMs: 20_000, preAllocatedVUs: 50, maxVUs: 200, gracefulStopMs: 5000})
  })
})

describe('loadProfile', () => {
  it('reads a file by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imh-profile-'))
    const file = join(dir, 'mine.yaml')
    await writeFile(file, 'scenarios: {a: {scenario: heartbeat, executor: constant-vus, vus: 1, duration: 1s}}\n')
    const p = await loadProfile(file)
    expect(p).toMatchObject({name: 'mine', file})
  })

  it.each([['chatt', 'no built-in profile and no file named "chatt" (did you mean "chat"?)'], ['./nope/x.yaml', 'no built-in profile and no file named "./nope/x.yaml"']])(
    'refuses %s with IMH_ERR_PROFILE_NOT_FOUND listing the built-ins', async (name, text) => {
      const err = await loadProfile(name).catch((e: unknown) => e)
      expect(isImhError(err, 'IMH_ERR_PROFILE_NOT_FOUND')).toBe(true)
      expect((err as Error).message).toContain(text)
      expect((err as Error).message).toContain(`built-in profiles: ${BUILTINS.join(', ')}`)
    })

  it('refuses a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imh-profile-'))
    await mkdir(join(dir, 'd'))
    const err = await loadProfile(join(dir, 'd')).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_PROFILE_NOT_FOUND')).toBe(true)
    expect((err as Error).message).toContain('is a directory')
  })
})

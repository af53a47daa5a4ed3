import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {oneLine, runCli} from './support/run-cli.js'

// `imh load --adapter ./module.js`: a user's adapter module (test/fixtures/adapters/, plain ES
// modules with no imharness import) runs the chat, heartbeat and login-storm scenarios, and the
// run judges lost, duplicates and reordered by what the adapter says its protocol promises.

const dir = mkdtempSync(join(tmpdir(), 'imh-adapter-load-'))
const FIXTURES = fileURLToPath(new URL('./fixtures/adapters/', import.meta.url))
const LOOPBACK = join(FIXTURES, 'loopback-adapter.mjs')

interface Results {
  ok: boolean
  counters: Record<string, number>
  metrics: Record<string, {count: number}>
  errors: Record<string, number>
  meta: {adapter?: {name: string; module?: string; guarantees: Record<string, unknown>}}
}

/** A chat profile on the loopback adapter: 10 clients, 10 messages/s each for 2 s. */
function chatProfile(name: string, adapterOptions: Record<string, unknown> = {}, adapter = LOOPBACK): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, [
    'options:',
    `  adapter: ${JSON.stringify(adapter)}`,
    `  adapterOptions: ${JSON.stringify(adapterOptions)}`,
    '  drain: 1s',
    'scenarios:',
    '  pairs: {scenario: chat, executor: constant-vus, vus: 10, duration: 2s, messageRate: 10, heartbeatInterval: 1s}',
  ].join('\n') + '\n')
  return file
}

async function run(file: string, extra: string[] = []): Promise<{code: number | null; stdout: string; stderr: string; results: Results}> {
  const out = `${file}.json`
  const r = await runCli(['load', file, '--target', 'loop://here', '--workers', '1', '--quiet', '--out', out, ...extra], 60_000)
  return {...r, results: JSON.parse(readFileSync(out, 'utf8')) as Results}
}

describe('imh load --adapter with a module of the user', () => {
  it('runs chat through it: delivered, timed and accounted as with our protocol, and the results name it', async () => {
    const {code, stdout, results} = await run(chatProfile('plain'))
    expect(code).toBe(0)
    const c = results.counters
    expect(c.sent).toBeGreaterThan(100)
    expect(c.acked).toBe(c.sent)
    expect(c.delivered).toBe(c.sent)
    expect([c.lost, c.duplicates, c.reordered, c.errors]).toEqual([0, 0, 0, 0])
    expect(results.metrics.sync_latency!.count).toBe(c.delivered)
    expect(results.metrics.connect!.count).toBeGreaterThanOrEqual(10)
    expect(results.meta.adapter).toEqual({name: 'loopback', module: LOOPBACK, guarantees: {acknowledged: true, delivery: 'exactly-once', ordered: true}})
    expect(stdout).toContain('adapter loopback')
  }, 70_000)

  it('counts as lost exactly the acknowledged messages the server never delivered', async () => {
    const {code, results} = await run(chatProfile('drop', {dropMod: 4}), ['--threshold', 'lost:count==0'])
    const c = results.counters
    expect(c.lost).toBeGreaterThan(0)
    expect(c.lost! + c.delivered!).toBe(c.acked)
    expect(code).toBe(99)
  }, 70_000)

  it('counts duplicates an at-least-once protocol allows apart from those it forbids', async () => {
    const allowed = (await run(chatProfile('dup-allowed', {duplicate: true, delivery: 'at-least-once'}))).results.counters
    expect(allowed.duplicates_allowed).toBe(allowed.delivered)
    expect(allowed.duplicates).toBe(0)
    const forbidden = (await run(chatProfile('dup-forbidden', {duplicate: true}))).results.counters
    expect(forbidden.duplicates).toBe(forbidden.delivered)
    expect(forbidden.duplicates_allowed).toBe(0)
  }, 140_000)

  it('counts late messages as reordered only where the protocol promises order', async () => {
    const unordered = (await run(chatProfile('unordered', {reorder: true, ordered: false}))).results.counters
    expect(unordered.reordered_allowed).toBeGreaterThan(0)
    expect(unordered.reordered).toBe(0)
    const ordered = (await run(chatProfile('ordered', {reorder: true}))).results.counters
    expect(ordered.reordered).toBeGreaterThan(0)
    expect(ordered.reordered_allowed).toBe(0)
  }, 140_000)

  it('without acknowledgements records no acks and counts as lost what was handed over and never arrived', async () => {
    const {results} = await run(chatProfile('no-acks', {acknowledged: false, delivery: 'at-most-once', dropMod: 5}))
    const c = results.counters
    expect(c.acked).toBe(0)
    expect(results.metrics.send_ack).toBeUndefined()
    expect(c.lost).toBeGreaterThan(0)
    expect(c.lost! + c.delivered!).toBe(c.sent)
  }, 70_000)

  it('takes the module from --adapter, relative to the working directory, over the profile', async () => {
    const file = chatProfile('flag', {}, 'imh')
    const out = `${file}.json`
    const r = await runCli(['load', file, '--adapter', './test/fixtures/adapters/loopback-adapter.mjs', '--target', 'loop://here', '--workers', '1', '--quiet', '--out', out], 60_000)
    expect(r.code).toBe(0)
    expect((JSON.parse(readFileSync(out, 'utf8')) as Results).meta.adapter?.module).toBe(LOOPBACK)
  }, 70_000)

  it('runs heartbeat (open model: on-demand heartbeats) and login-storm through it', async () => {
    const file = join(dir, 'hb.yaml')
    writeFileSync(file, `options: {adapter: ${JSON.stringify(LOOPBACK)}, drain: 0s}\nscenarios:\n  beat: {scenario: heartbeat, executor: constant-arrival-rate, rate: 20, duration: 2s, preAllocatedVUs: 4}\n  storm: {scenario: login-storm, executor: constant-arrival-rate, rate: 10, duration: 2s, preAllocatedVUs: 4}\n`)
    const {code, results} = await run(file)
    expect(code).toBe(0)
    expect(results.metrics.heartbeat_rtt!.count).toBeGreaterThanOrEqual(35)
    expect(results.metrics.iteration_duration!.count).toBeGreaterThanOrEqual(15)
    expect(results.counters.errors).toBe(0)
  }, 70_000)
})

describe('imh load --adapter refuses what it cannot run, before anything starts (exit 2)', () => {
  it.each([
    ['a module without connect()', ['--adapter', join(FIXTURES, 'missing-connect.mjs')], /IMH_ERR_ADAPTER_INVALID.*connect \(missing\).*guarantees \(not a function/],
    ['a module file that is not there', ['--adapter', './nowhere/adapter.js'], /IMH_ERR_ADAPTER_NOT_FOUND.*nowhere\/adapter\.js: no such file/],
    ['an unknown built-in', ['--adapter', 'mqqt'], /IMH_ERR_ADAPTER_NOT_FOUND: --adapter: no built-in adapter "mqqt"/],
    ['a target of another scheme', ['--adapter', LOOPBACK, '--target', 'http://127.0.0.1:1/dns'], /IMH_ERR_ADAPTER_UNSUPPORTED: adapter loopback takes --target loop:\/\/…/],
    ['no target', ['--adapter', LOOPBACK, '--no-target'], /adapter loopback speaks to a server of yours: give --target loop:\/\/HOST:PORT/],
    ['a scenario that speaks only our protocol', ['-p', 'moments', '--adapter', LOOPBACK], /IMH_ERR_ADAPTER_UNSUPPORTED: scenario .* \(moments\) .* speaks imh's own protocol only/],
  ])('%s', async (_what, args, message) => {
    const noTarget = args.includes('--no-target')
    const rest = args.filter((a) => a !== '--no-target')
    const profile = rest.includes('-p') ? [] : ['-p', 'chat']
    const target = noTarget || rest.includes('--target') ? [] : ['--target', 'loop://here']
    const r = await runCli(['load', ...profile, ...rest, ...target, '--workers', '0', '--quiet'], 30_000)
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  }, 40_000)

  it('bad adapterOptions name the field', async () => {
    const r = await runCli(['load', chatProfile('bad-option', {dropmod: 3}), '--target', 'loop://here', '--workers', '0', '--quiet'], 30_000)
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/options\.adapterOptions\.dropmod.*adapter loopback has no option "dropmod".*did you mean "dropMod"/)
  }, 40_000)
})

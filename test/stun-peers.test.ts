import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {accessSync, constants, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {probeStun} from '../src/client/stun-client.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'

/**
 * Interoperability with a STUN implementation that is not ours: coturn (Debian package `coturn`).
 * turnutils_stunclient probes the reference server's relay ports; our probeStun probes coturn's
 * turnserver in STUN-only mode. Without the binaries the tests are skipped loudly, and fail on CI.
 */

function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return undefined
}

const STUNCLIENT = findBinary('turnutils_stunclient')
const TURNSERVER = findBinary('turnserver')
const missing = [!STUNCLIENT && 'turnutils_stunclient', !TURNSERVER && 'turnserver'].filter(Boolean) as string[]
const onCi = process.env.CI === 'true'
if (missing.length > 0 && !onCi) {
  console.warn(`\n*** stun-peers.test.ts: SKIPPED, ${missing.join(' and ')} not found. Install coturn (apt-get install coturn) to test STUN against a foreign implementation. ***\n`)
}

describe('coturn binaries', () => {
  it.runIf(onCi)('are installed on CI', () => {
    expect(missing, 'coturn binaries missing on CI (apt-get install coturn)').toEqual([])
  })
})

function run(file: string, args: string[], timeoutMs: number): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(file, args, {timeout: timeoutMs}, (err, stdout, stderr) => {
      resolve({code: err ? ((err as {code?: number}).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr)})
    })
  })
}

describe.skipIf(!STUNCLIENT)('turnutils_stunclient against the reference server', () => {
  let server: ReferenceServer
  beforeAll(async () => {
    server = await startReferenceServer({port: 0})
  })
  afterAll(() => server?.close())

  it('gets 127.0.0.1 and a sane port as reflexive address on every relay port', async () => {
    expect(server.flows.talk.stun.ports.length).toBeGreaterThan(1)
    for (const port of server.flows.talk.stun.ports) {
      const args = ['-p', String(port), '127.0.0.1']
      const out = await run(STUNCLIENT!, args, 10_000)
      const text = `${out.stdout}\n${out.stderr}`
      const m = /UDP reflexive addr: (\d+\.\d+\.\d+\.\d+):(\d+)/.exec(text)
      expect(m, `turnutils_stunclient ${args.join(' ')} (exit ${out.code}) printed:\n${text}`).not.toBeNull()
      expect(m![1]).toBe('127.0.0.1')
      const mappedPort = Number(m![2])
      expect(mappedPort).toBeGreaterThanOrEqual(1024)
      expect(mappedPort).toBeLessThanOrEqual(65535)
      expect(server.flows.talk.stun.ports).not.toContain(mappedPort)
      expect(out.code).toBe(0)
    }
    expect(server.flows.talk.stun.stats.answered).toBeGreaterThanOrEqual(server.flows.talk.stun.ports.length)
  }, 60_000)
})

/** A UDP port on 127.0.0.1 free a moment ago (coturn binds it itself). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  const {port} = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

describe.skipIf(!TURNSERVER)('probeStun against coturn turnserver (STUN only)', () => {
  let child: ChildProcess | undefined
  let port = 0
  let log = ''
  let dir = ''

  function turnserverArgs(p: number): string[] {
    const conf = join(dir, 'turnserver.conf')
    writeFileSync(conf, '')
    return [
      '-c', conf, '--stun-only', '--no-tls', '--no-dtls', '--no-tcp', '--listening-ip=127.0.0.1', `--listening-port=${p}`, '--no-cli',
      '--log-file=stdout', '--simple-log', `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb.sqlite')}`,
    ]
  }

  async function answers(p: number): Promise<boolean> {
    const probe = await probeStun({servers: [{host: '127.0.0.1', port: p}], localAddress: '127.0.0.1', rtoMs: 50, maxSends: 3, finalWaitFactor: 4})
    return probe.results[0]!.answered
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imh-coturn-'))
    // A port taken between freeUdpPort and coturn's bind: try another.
    for (let attempt = 0; attempt < 3 && !child; attempt++) {
      port = await freeUdpPort()
      const c = spawn(TURNSERVER!, turnserverArgs(port), {stdio: ['ignore', 'pipe', 'pipe']})
      c.stdout!.on('data', (d: Buffer) => (log += d.toString()))
      c.stderr!.on('data', (d: Buffer) => (log += d.toString()))
      let exited = false
      c.once('exit', () => (exited = true))
      const end = Date.now() + 10_000
      while (!exited && Date.now() < end) {
        if (await answers(port)) {
          child = c
          break
        }
      }
      if (!child) c.kill('SIGKILL')
    }
    if (!child) throw new Error(`coturn turnserver did not answer STUN on 127.0.0.1:${port}. Its log:\n${log.slice(-3000)}`)
  }, 45_000)

  afterAll(async () => {
    const c = child
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()))
      c.kill('SIGTERM')
      const timer = setTimeout(() => c.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('our mapped address is our socket\'s own address and port', async () => {
    for (const fingerprint of [true, false]) {
      const probe = await probeStun({servers: [{host: '127.0.0.1', port}], localAddress: '127.0.0.1', rtoMs: 100, maxSends: 4, fingerprint})
      const r = probe.results[0]!
      expect(r.answered, `coturn gave no answer (${r.failure ?? r.error?.reason ?? 'timed out'}); log:\n${log.slice(-2000)}`).toBe(true)
      expect(probe.local.address).toBe('127.0.0.1')
      expect(r.mapped).toEqual({family: 'IPv4', address: '127.0.0.1', port: probe.local.port})
      expect(probe.pickPath()).toBe(r)
    }
  })

  it('probes coturn and the reference server together from one socket', async () => {
    const server = await startReferenceServer({port: 0})
    try {
      const probe = await probeStun({servers: [{host: '127.0.0.1', port}, ...server.flows.talk.stun.ports.map((p) => ({host: '127.0.0.1', port: p}))], localAddress: '127.0.0.1', rtoMs: 100, maxSends: 4})
      for (const r of probe.results) expect(r.mapped, `${r.server.port}`).toEqual({family: 'IPv4', address: '127.0.0.1', port: probe.local.port})
    } finally {
      await server.close()
    }
  })
})

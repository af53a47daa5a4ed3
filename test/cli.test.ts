import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, children, oneLine, runCli} from './support/run-cli.js'

const run = runCli

/** Starts `imh serve` and resolves with its ready line. */
function serve(args: string[] = []): Promise<{child: ChildProcess; ready: Record<string, unknown>; lines: string[]}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args])
    children.push(child)
    const lines: string[] = []
    let buf = ''
    child.stdout!.on('data', (d) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        lines.push(line)
        if (lines.length === 1) resolve({child, ready: JSON.parse(line), lines})
      }
    })
    child.on('exit', (code) => reject(new Error(`imh serve exited ${code} before ready`)))
  })
}

describe('imh serve', () => {
  it('prints one JSON ready line with every group and stops cleanly on SIGINT', async () => {
    const {child, ready, lines} = await serve()
    expect(ready.event).toBe('ready')
    expect(ready.scheduler).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dns$/)
    expect(ready.short).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ready.long).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/long$/)
    expect(ready.media).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((ready.groups as {media: string[]}).media).toEqual([ready.media])
    expect(Object.keys(ready.groups as object).sort()).toEqual(['long', 'media', 'qr', 'relay', 'short'])
    const res = await fetch(ready.scheduler as string)
    expect(((await res.json()) as {ret: number}).ret).toBe(0)
    const exited = new Promise((r) => child.on('exit', r))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({event: 'stopped', signal: 'SIGINT'})
  })

  it('says which address is in use, with exit 1 and no stack trace, when a port of its layout is taken', async () => {
    const net = await import('node:net')
    const holder = net.createServer()
    const held = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as {port: number}).port)))
    try {
      // --port P takes P and the ports after it for the other groups: P + 2 is one of them.
      const r = await run(['serve', '--port', String(held - 2)])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('could not start')
      expect(r.stderr).toContain('EADDRINUSE')
      // Usually the held port; another process may hold one of the others by chance.
      expect(oneLine(r.stderr)).toMatch(/IMH_ERR_LISTEN_FAILED: the \w+ group could not listen on 127\.0\.0\.1:\d+: the address is in use \(EADDRINUSE\)/)
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    } finally {
      holder.close()
    }
  })

  it('refuses an out-of-range flag with exit 2', async () => {
    const r = await run(['serve', '--idle-timeout', '5'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('idle-timeout')
  })

  it('derives every limit flag and its help from the limit declarations', async () => {
    const r = await run(['serve', '--help'])
    expect(r.code).toBe(0)
    const help = r.stdout.replace(/\s+/g, ' ')
    expect(help).toContain('--ring-timeout=<value> ms a call rings before it ends with reason "timeout" (100–300000 ms, default 30000)')
    expect(help).toContain('--download-size=<value> size of the media group\'s game download object (1–1073741824 bytes, default 33554432)')
  })

  it('refuses out-of-range relay and ring flags with exit 2', async () => {
    for (const [flag, value] of [['--relay-rate-pps', '0'], ['--relay-burst', '100001'], ['--ring-timeout', '99']]) {
      const r = await run(['serve', flag!, value!])
      expect(r.code, flag).toBe(2)
      expect(r.stderr).toContain(flag!.slice(2))
    }
  })
})

describe('imh conform', () => {
  it('passes every MUST case against imh serve, with --json and --junit', async () => {
    const {child, ready} = await serve(['--handshake-timeout', '1000', '--idle-timeout', '1500', '--heartbeat-interval', '500', '--ring-timeout', '1000', '--relay-rate-pps', '1000', '--relay-burst', '200', '--shake-window', '500', '--position-ttl', '2000', '--download-size', '1048576', '--qr-ttl', '3', '--qr-hold', '1000', '--order-ttl', '2000'])
    const dir = mkdtempSync(join(tmpdir(), 'imh-'))
    const junit = join(dir, 'conform.xml')
    // The shop's name is answered by imh serve's own DNS server (PROTOCOL.md §17.1).
    const r = await run(['conform', '--target', ready.scheduler as string, '--resolver', ready.dns as string, '--json', '--junit', junit])
    child.kill('SIGTERM')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.summary.ok).toBe(true)
    expect(report.summary.fail).toBe(0)
    // --ring-timeout 1000 is short enough for the suite to wait it out.
    expect(report.cases.find((c: {id: string}) => c.id === 'talk.ring-timeout').verdict).toBe('pass')
    // So are --position-ttl 2000 and --shake-window 500: every nearby and shake case runs.
    for (const id of ['nearby.expiry', 'shake.pair', 'shake.windows']) expect(report.cases.find((c: {id: string}) => c.id === id).verdict).toBe('pass')
    // And the QR, order lifetimes and QR hold: no case is left waiting, none not applicable.
    for (const id of ['qr.expiry', 'qr.poll-holds', 'shop.pay-expired']) expect(report.cases.find((c: {id: string}) => c.id === id).verdict).toBe('pass')
    expect(report.cases.length).toBeGreaterThanOrEqual(30)
    for (const c of report.cases) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'section', 'level', 'verdict', 'durationMs', 'message']))
    const xml = readFileSync(junit, 'utf8')
    expect(xml).toContain('<testsuites name="imh conform"')
    expect(xml.match(/<testcase /g)?.length).toBe(report.cases.length)
  })

  it('passes every case on both transports against imh serve (--transport both): each long-link case once over ws and once over tcp', async () => {
    const {child, ready} = await serve(['--handshake-timeout', '1000', '--idle-timeout', '1500', '--heartbeat-interval', '500', '--ring-timeout', '1000', '--relay-rate-pps', '1000', '--relay-burst', '200', '--shake-window', '500', '--position-ttl', '2000', '--download-size', '1048576', '--qr-ttl', '3', '--qr-hold', '1000', '--order-ttl', '2000'])
    const r = await run(['conform', '--target', ready.scheduler as string, '--resolver', ready.dns as string, '--transport', 'both', '--json'], 240_000)
    child.kill('SIGTERM')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as {transports: string[]; summary: {ok: boolean; fail: number}; cases: {id: string; transport?: string; verdict: string; message: string}[]}
    expect(report.transports).toEqual(['ws', 'tcp'])
    expect(report.summary.ok).toBe(true)
    const notPassed = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict)).map((c) => `${c.id} [${c.transport}] ${c.verdict}`)
    // Only what a stream cannot carry: text messages, pings, a message's own length.
    expect(notPassed.sort()).toEqual(['frame.length-mismatch [tcp] not-applicable', 'frame.text-message [tcp] not-applicable', 'frame.too-short [tcp] not-applicable', 'session.ping-keeps-alive [tcp] not-applicable'])
    const over = (t: string) => report.cases.filter((c) => c.transport === t).map((c) => c.id)
    expect(over('tcp')).toEqual(over('ws'))
    for (const id of ['session.kick-second-login', 'sync.notify', 'frame.check-order', 'talk.ring-timeout']) expect(over('tcp')).toContain(id)
  }, 300_000)

  it('exits 1 with the failed case ids when a MUST case fails', async () => {
    // A scheduler that lists nothing usable: the scheduler cases must fail, not error.
    const http = await import('node:http')
    const server = http.createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({ret: 0, ttl: 0, clientIp: '1.2.3.4', groups: {long: [], short: [], relay: [], media: [], qr: []}, fallback: {}}))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as {port: number}).port
    try {
      const r = await run(['conform', '--target', `http://127.0.0.1:${port}/dns`, '--case', 'scheduler.*', '--json'])
      expect(r.code).toBe(1)
      const report = JSON.parse(r.stdout)
      const failed = report.cases.filter((c: {verdict: string}) => c.verdict === 'fail').map((c: {id: string}) => c.id)
      expect(failed).toEqual(expect.arrayContaining(['scheduler.groups-listed', 'scheduler.ttl', 'scheduler.client-ip', 'scheduler.fallback-listed']))
      expect(report.cases.find((c: {id: string}) => c.id === 'scheduler.ttl').trace).toBeDefined()
    } finally {
      server.close()
    }
  })

  it('stops before any case, exit 1, when the target does not answer at all', async () => {
    const r = await run(['conform', '--target', 'http://127.0.0.1:1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("cannot reach the target's scheduler")
    expect(r.stderr).toContain('http://127.0.0.1:1/dns')
    expect(r.stdout).not.toContain('FAIL')
  })

  it('lists cases with stable ids, sections and levels', async () => {
    const r = await run(['conform', '--list', '--json'])
    expect(r.code).toBe(0)
    const cases = JSON.parse(r.stdout) as {id: string; section: string; level: string; requirement: string}[]
    const ids = cases.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const c of cases) {
      expect(c.id).toMatch(/^[a-z]+\.[a-z0-9-]+$/)
      expect(c.section).toMatch(/^\d+(\.\d+)?$/)
      expect(['MUST', 'SHOULD', 'INFO']).toContain(c.level)
      expect(c.requirement.length).toBeGreaterThan(10)
    }
  })

  it('exits 2 on a usage error and names the flag', async () => {
    const r = await run(['conform', '--case', 'no-such.*'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--case')
    const r2 = await run(['conform', '--timeout-factor', '0'])
    expect(r2.code).toBe(2)
    expect(r2.stderr).toContain('--timeout-factor')
  })
})

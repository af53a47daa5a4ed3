import {readFile, writeFile} from 'node:fs/promises'
import {Command, Errors, Flags} from '@oclif/core'
import {Agent} from 'undici'
import {checkResolverAddress} from '../src/client/dns-resolver.js'
import type {LinkTransportKind} from '../src/client/link-transport.js'
import {fetchSchedulerAnswer} from '../src/client/resolve.js'
import {EXIT, type ExitCode} from '../src/common/exit-codes.js'
import {
  ALL_CASES, CASE_FLOWS, ConformanceRunner, MAX_WAIT_SECONDS, applyJudgement, currentExpectations, describeFault, exitCodeFor, filterCases, formatCaseTable,
  formatJudgement, formatJunit, formatReport, judge, parseExpectations, selectCases,
} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import {formatHtml} from '../src/conform/report/html.js'
import {caseLabel} from '../src/conform/report/transport-label.js'
import {ReportFileError, checkReportPath, writeReportFile} from '../src/common/report-file.js'
import {type ConformanceCase} from '../src/conform/types.js'
import type {ExpectationsFile} from '../src/conform/expectations.js'
import {FEATURES, SCHEDULER_PATH, isImhError} from '../src/protocol/index.js'

const timeoutFactor = Flags.custom<number>({
  parse: async (input) => {
    const n = Number(input)
    if (!Number.isFinite(n) || n < 0.1 || n > 100) throw new Errors.CLIError(`--timeout-factor must be a number from 0.1 to 100, got "${input}"`, {exit: EXIT.USAGE})
    return n
  },
})

export default class Conform extends Command {
  static override summary = 'Check a server against PROTOCOL.md: every case cites the section it checks.'
  static override description = `Without --target it starts the embedded reference server (with short time-outs) and checks that.
Verdicts: pass, non-strict (a SHOULD broken), fail (a MUST broken), info, not-applicable (cannot be judged here, e.g. a time-out longer than the suite waits), unimplemented (an optional feature the target does not implement), error (harness fault), not-run (interrupted before a verdict).
Optional features (${FEATURES.join(', ')}) are judged when the scheduler announces them in its features (PROTOCOL.md §2.2) and their first command is not answered IMH_ERR_UNKNOWN_CMD or 404; otherwise their cases are unimplemented, which never fails the run unless --require names the feature.
An exception inside a case is that case's verdict; one that escapes every case is a harness fault of the run. The text report, --json, --junit and --html are written whatever happened, Ctrl-C included.
Exit codes: ${EXIT.OK} no MUST case failed; ${EXIT.FAILED} a MUST case failed (or a SHOULD under --strict), or the target is unreachable; ${EXIT.USAGE} usage or configuration error; ${EXIT.HARNESS} harness error: a case ended in error or the run faulted (a broken run, not a failing server; before ${EXIT.FAILED}); ${EXIT.INTERRUPTED} interrupted (SIGINT): cases not run are listed as not-run.`

  static override examples = [
    '<%= config.bin %> conform',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --junit conform.xml',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --html conform.html',
    "<%= config.bin %> conform --case 'sync.*' --exclude sync.latency --json",
    '<%= config.bin %> conform --flow qr --flow media',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --resolver 127.0.0.1:8090 --flow shop',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --expect expect.json',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --max-wait 300',
    '<%= config.bin %> conform --target http://127.0.0.1:8080/dns --require talk --require media',
    '<%= config.bin %> conform --transport both',
    '<%= config.bin %> conform --list',
  ]

  static override flags = {
    target: Flags.url({description: "the target's scheduler URL (GET /dns); default: start the embedded reference server"}),
    transport: Flags.string({description: "the long link's transport: ws (the long group's ws:// addresses), tcp (its tcp:// and tls:// ones, the frames as a byte stream) or both; with both, every case that takes the long link runs on each, under the same id, and the reports say which transport each result is for", options: ['ws', 'tcp', 'both'], default: 'ws'}),
    spread: Flags.boolean({description: 'put each long link and each user on the next address of the long and short groups in turn, not always the first: the parties of a case then meet on different nodes (for a group whose every node serves every user, PROTOCOL.md §2.5)'}),
    resolver: Flags.string({description: "host:port (UDP) of the DNS server to ask for names the scheduler does not list, such as the shop's (PROTOCOL.md §2.4, §17.1); default: the embedded target's own, else the system's resolver"}),
    case: Flags.string({description: 'run only cases whose id matches this glob (repeatable)', multiple: true}),
    exclude: Flags.string({description: 'skip cases whose id matches this glob (repeatable)', multiple: true}),
    flow: Flags.string({description: 'run only the cases of this flow (repeatable)', multiple: true, options: [...CASE_FLOWS]}),
    section: Flags.string({description: 'run only the cases citing this PROTOCOL.md section, e.g. 6 or 10.2 (repeatable)', multiple: true}),
    list: Flags.boolean({description: 'list the cases (id, flow, section, level, requirement) and exit'}),
    markdown: Flags.boolean({description: 'with --list: print the list as Markdown tables, one per flow', dependsOn: ['list']}),
    json: Flags.boolean({description: 'print the whole run as JSON on stdout instead of the text report'}),
    junit: Flags.string({description: 'also write a JUnit XML report to this file'}),
    html: Flags.string({description: 'also write a self-contained HTML report to this file: verdicts per section, each requirement quoted from PROTOCOL.md, every failure with its frame trace'}),
    strict: Flags.boolean({description: 'count non-strict verdicts (broken SHOULDs) as failures'}),
    require: Flags.string({description: 'an optional feature the target must implement: its unimplemented cases fail (repeatable)', multiple: true, options: [...FEATURES]}),
    'timeout-factor': timeoutFactor({description: 'multiply every time limit (slow targets, CI machines): 0.1 to 100', default: 1}),
    concurrency: Flags.integer({description: 'cases run at once (cases that wait out a long limit run besides, see --max-wait)', default: 4, min: 1, max: 64}),
    'max-wait': Flags.integer({
      description: `longest announced limit (idle time-out, QR hold and lifetime, ring time-out, position and order lifetimes) a case waits out, in seconds (${MAX_WAIT_SECONDS.min} to ${MAX_WAIT_SECONDS.max}); a case whose wait is longer is not applicable. Such cases start at the beginning of the run, all at once besides --concurrency, so the run lasts about the longest wait. Not scaled by --timeout-factor (the server's timer runs at its own pace); the slack around each wait is`,
      default: MAX_WAIT_SECONDS.default, min: MAX_WAIT_SECONDS.min, max: MAX_WAIT_SECONDS.max,
    }),
    ca: Flags.file({description: 'PEM CA certificate to trust for an https/wss target', exists: true}),
    insecure: Flags.boolean({description: 'do not verify the TLS certificate of the target'}),
    expect: Flags.string({description: 'expectations file (JSON, see the README): cases listed there may fail without failing the run, but fail it once they pass'}),
    'write-expect': Flags.string({description: 'write every case that failed this run to this expectations file (reasons kept from --expect)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Conform)
    let cases: ConformanceCase[]
    try {
      cases = selectCases(filterCases(ALL_CASES, {flows: flags.flow, sections: flags.section}), flags.case ?? [], flags.exclude ?? [])
    } catch (err) {
      this.error((err as Error).message, {exit: EXIT.USAGE})
    }
    if (flags.list) return this.list(cases, flags.json, flags.markdown)
    if (cases.length === 0) this.error('no case left to run after --flow/--section/--case/--exclude', {exit: EXIT.USAGE})
    try {
      if (flags.resolver !== undefined) checkResolverAddress(flags.resolver, '--resolver')
    } catch (err) {
      this.error((err as Error).message, {exit: EXIT.USAGE})
    }

    let expectations: ExpectationsFile | undefined
    try {
      if (flags.html) await checkReportPath(flags.html, '--html')
      if (flags.expect) expectations = parseExpectations(await readFile(flags.expect, 'utf8'), flags.expect)
    } catch (err) {
      this.error((err as Error).message, {exit: EXIT.USAGE})
    }

    const ca = flags.ca ? await readFile(flags.ca) : undefined
    const rejectUnauthorized = !flags.insecure
    const dispatcher = ca || flags.insecure ? new Agent({connect: {ca, rejectUnauthorized}}) : undefined
    const embedded = flags.target ? undefined : await startEmbeddedTarget().catch((err: Error) => this.error(`could not start the embedded reference server: ${isImhError(err) ? `${err.code}: ` : ''}${err.message}`, {exit: EXIT.FAILED}))
    const scheduler = flags.target ? schedulerUrl(flags.target) : embedded!.urls.scheduler
    // Ctrl-C stops the run, not the process: the cases not run are reported as such. A second Ctrl-C kills.
    const stop = new AbortController()
    const onSigint = (): void => stop.abort()
    process.once('SIGINT', onSigint)
    const late: string[] = []
    const onLate = (err: unknown): void => void late.push(describeFault(err))
    let code: ExitCode = EXIT.OK
    try {
      if (!embedded) await this.checkReachable(scheduler, flags['timeout-factor'], dispatcher)
      const runner = new ConformanceRunner({
        scheduler, resolver: flags.resolver ?? embedded?.resolver, spread: flags.spread, cases, transports: transportsOf(flags.transport), embedded: !!embedded, strict: flags.strict, require: flags.require, timeoutFactor: flags['timeout-factor'],
        concurrency: flags.concurrency, maxWaitMs: flags['max-wait'] * 1000, ca, rejectUnauthorized, dispatcher, version: this.config.version, signal: stop.signal,
      })
      const tty = process.stderr.isTTY && !flags.json
      // Cases ended, not results: under --transport both a long-link case ends once per transport.
      const done = new Set<string>()
      runner.on('case-end', (r) => {
        done.add(r.id)
        if (tty) process.stderr.write(`\r  ${done.size}/${cases.length} ${caseLabel(r, flags.transport !== 'ws').padEnd(40)}`)
      })
      const ran = await runner.run()
      // The runner caught what escaped a case while it ran; these catch what escapes after it (a late timer).
      process.on('uncaughtException', onLate)
      process.on('unhandledRejection', onLate)
      const judged = expectations && applyJudgement(ran, expectations, judge(ran, expectations, ALL_CASES), flags.expect!)
      const report = judged ?? ran
      if (flags['write-expect']) await writeFile(flags['write-expect'], `${JSON.stringify(currentExpectations(ran, expectations), null, 2)}\n`)
      if (tty) process.stderr.write('\r\u001b[2K')
      report.faults.push(...late.splice(0))
      if (report.faults.length > 0) report.summary.ok = false
      if (flags.junit) await writeFile(flags.junit, formatJunit(report))
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      else this.log(formatReport(report, process.stdout.isTTY && !process.env.NO_COLOR))
      if (judged) (flags.json ? process.stderr : process.stdout).write(`${formatJudgement(judged.expectations)}\n`)
      if (flags.html) await writeReportFile(flags.html, formatHtml(report), '--html')
      code = exitCodeFor(report)
    } catch (err) {
      if (err instanceof ReportFileError || isImhError(err, 'IMH_ERR_INVALID_OPTION')) this.error(err.message, {exit: EXIT.USAGE})
      throw err
    } finally {
      process.off('SIGINT', onSigint)
      await embedded?.close()
      await dispatcher?.close()
      process.off('uncaughtException', onLate)
      process.off('unhandledRejection', onLate)
    }
    if (late.length > 0) {
      // Escaped after the reports were written: they cannot say it, so stderr does (first lines only, no stack).
      for (const f of late) process.stderr.write(`imh conform: harness fault after the run: ${f.split('\n')[0]}\n`)
      if (code !== EXIT.INTERRUPTED) code = EXIT.HARNESS
    }
    if (code !== EXIT.OK) this.exit(code)
  }

  /** A target that does not answer at all is a setup problem, not a run of failed cases. */
  private async checkReachable(scheduler: string, factor: number, dispatcher: Agent | undefined): Promise<void> {
    try {
      await fetchSchedulerAnswer(scheduler, {timeoutMs: 2000 * factor, dispatcher})
    } catch (err) {
      if (isImhError(err, 'IMH_ERR_CONNECT_FAILED') || isImhError(err, 'IMH_ERR_TIMEOUT')) {
        this.error(`cannot reach the target's scheduler: ${err.message}`, {exit: EXIT.FAILED})
      }
      // It answers, but off-spec: the scheduler cases will say how.
    }
  }

  private list(cases: ConformanceCase[], json: boolean, markdown: boolean): void {
    if (markdown) {
      process.stdout.write(formatCaseTable(cases))
      return
    }
    if (json) {
      process.stdout.write(`${JSON.stringify(cases.map(({id, flow, section, level, requirement}) => ({id, flow, section, level, requirement})), null, 2)}\n`)
      return
    }
    for (const c of cases) this.log(`${c.id.padEnd(36)} §${c.section.padEnd(5)} ${c.level.padEnd(6)} ${c.requirement}`)
    this.log(`${cases.length} cases`)
  }
}

/** The transports of `--transport`: `both` is ws, then tcp. */
export function transportsOf(flag: string): LinkTransportKind[] {
  return flag === 'both' ? ['ws', 'tcp'] : [flag as LinkTransportKind]
}

/** `http://host:8080` and `http://host:8080/` mean the scheduler at /dns. */
export function schedulerUrl(target: URL): string {
  const url = new URL(target.href)
  if (url.pathname === '/' || url.pathname === '') url.pathname = SCHEDULER_PATH
  return url.href
}

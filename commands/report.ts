import {basename} from 'node:path'
import {Args, Command, Flags} from '@oclif/core'
import {EXIT} from '../src/common/exit-codes.js'
import {ReportFileError, writeReportFile} from '../src/common/report-file.js'
import {readResults} from '../src/load/compare/read-results.js'
import {formatLoadHtml} from '../src/load/outputs/html-report.js'
import {isImhError} from '../src/protocol/index.js'

export default class Report extends Command {
  static override summary = 'Write an HTML report with charts of one load run, or two side by side, from results.json.'
  static override description = `One self-contained HTML file (no network when viewed): verdicts and warnings, thresholds, latency percentiles, and charts of every latency metric's p50 and p99 per second, its HDR percentile distribution (log scale), clients, each counter per second, and the event-loop lag, with the seconds the generator was saturated shaded. Given two files, the second is drawn dashed beside the first. imh load --html writes the same page at the end of a run.
Exit codes: 0 written, 2 usage (a file that is not a results.json, an --html path that cannot be written).`

  static override examples = ['<%= config.bin %> report results.json --html report.html', '<%= config.bin %> report base.json cand.json --html compare.html']

  static override args = {
    results: Args.string({description: 'results.json of a run (imh load --out)', required: true}),
    second: Args.string({description: 'a second run to draw beside the first'}),
  }

  static override flags = {
    html: Flags.string({description: 'the HTML file to write', required: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Report)
    const files = [args.results, ...(args.second ? [args.second] : [])]
    let runs
    try {
      runs = await Promise.all(files.map(async (file) => ({label: basename(file).replace(/\.json$/, ''), results: await readResults(file)})))
    } catch (err) {
      if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.USAGE})
      throw err
    }
    try {
      await writeReportFile(flags.html, formatLoadHtml(runs), '--html')
    } catch (err) {
      if (err instanceof ReportFileError) this.error(err.message, {exit: EXIT.USAGE})
      throw err
    }
    process.stdout.write(`report written to ${flags.html}\n`)
  }
}

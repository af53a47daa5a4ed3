import {Args, Command, Flags} from '@oclif/core'
import {EXIT} from '../src/common/exit-codes.js'
import {annotation, reportToGithub} from '../src/common/github-actions.js'
import {ReportFileError, writeReportFile} from '../src/common/report-file.js'
import {formatComparisonMarkdown, formatComparisonText} from '../src/load/compare/compare-report.js'
import {compareRuns} from '../src/load/compare/compare-runs.js'
import {readResults} from '../src/load/compare/read-results.js'
import {parseRegressionLimit} from '../src/load/compare/regression-limit.js'
import {isImhError} from '../src/protocol/index.js'

export default class Compare extends Command {
  static override summary = 'Compare a candidate run with a baseline run (two results.json files) and judge regression limits.'
  static override description = `Shows every latency metric's count and p50/p90/p99/p99.9 side by side with the change, counters and errors by code, and both runs' thresholds. Each regression limit — the candidate profile's \`regressions:\` and every --max-regression — is judged from the two HDR histograms: a latency regresses only when the candidate is past the allowance beyond the runs' 99% intervals (distribution-free, from the histogram's order statistics), so sampling noise does not fail a build and a real shift does; counters are exact and judged by the allowance alone.
Exit codes: 0 no regression, 99 a limit regressed (or a run has no samples of a limited metric), 2 usage: a bad limit, a file that is not a results.json, runs of different profiles (--any-profile compares them anyway).`

  static override examples = [
    "<%= config.bin %> compare base.json cand.json --max-regression 'sync_latency:p(99)=+10%' --max-regression errors:+0",
    "<%= config.bin %> compare base.json cand.json --max-regression 'http_req_duration:p(50)=+2ms' --max-regression 'http_reqs:-5%' --markdown > comment.md",
  ]

  static override args = {
    baseline: Args.string({description: 'results.json of the baseline run (imh load --out)', required: true}),
    candidate: Args.string({description: 'results.json of the candidate run', required: true}),
  }

  static override flags = {
    'max-regression': Flags.string({description: "how much worse the candidate may be: 'latency:p(N)=+X%' (or +Xms, med, avg), 'counter:+N' or '+N%', 'counter:-N%' (repeatable)", multiple: true}),
    markdown: Flags.boolean({description: 'print the comparison as a markdown table (pull-request comments, job summaries) instead of text'}),
    out: Flags.string({description: 'also write the comparison (tables, judgements) to this JSON file'}),
    'any-profile': Flags.boolean({description: 'compare runs of different profiles instead of refusing'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Compare)
    let comparison
    try {
      const [baseline, candidate] = await Promise.all([readResults(args.baseline), readResults(args.candidate)])
      // The candidate's profile declares what it must hold (profile `regressions:`); flags add to it.
      const limits = [...(candidate.meta.regressions ?? []), ...(flags['max-regression'] ?? [])].map(parseRegressionLimit)
      comparison = compareRuns(baseline, candidate, {limits, anyProfile: flags['any-profile']})
    } catch (err) {
      if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.USAGE})
      throw err
    }
    process.stdout.write(flags.markdown ? formatComparisonMarkdown(comparison) : `${formatComparisonText(comparison)}\n`)
    try {
      if (flags.out) await writeReportFile(flags.out, `${JSON.stringify(comparison, null, 2)}\n`, '--out')
    } catch (err) {
      if (err instanceof ReportFileError) this.error(err.message, {exit: EXIT.USAGE})
      throw err
    }
    // Under GitHub Actions: the markdown tables on the job's page, each regression an annotation.
    const regressed = comparison.judgements.filter((j) => j.verdict === 'regressed' || j.verdict === 'no-data')
    await reportToGithub(formatComparisonMarkdown(comparison), regressed.map((j) => annotation('error', `imh compare ${j.limit.metric}`, j.message)))
    if (!comparison.ok) this.exit(EXIT.THRESHOLDS)
  }
}

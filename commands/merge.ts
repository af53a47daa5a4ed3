import {Args, Command, Flags} from '@oclif/core'
import {EXIT} from '../src/common/exit-codes.js'
import {ReportFileError, checkReportPath} from '../src/common/report-file.js'
import {mergeResults} from '../src/load/merge/merge-results.js'
import {readShard} from '../src/load/merge/read-shard.js'
import {writeResultsJson} from '../src/load/outputs/results-json.js'
import {formatSummary} from '../src/load/outputs/summary.js'
import {isImhError} from '../src/protocol/index.js'
import {exitCodeFor} from './load.js'

export default class Merge extends Command {
  static override summary = 'Merge the results.json files of separately run shards (imh load --shard i/N) into the results of the whole run, exactly, and judge its thresholds.'
  static override description = `Adds the shards' HDR histograms (every percentile of the merge is that of one histogram of all samples), sums counters and errors, joins the joined counters (chat's lost) over every worker of every shard, adds the time series by elapsed second, and judges the thresholds the shards' runs declared plus every --threshold on the merge. Prints the summary as imh load does. A missing shard is a warning: the merge covers the shards given, and meta.shard.present says which.
Exit codes: 0 ok, 1 a shard's run failed or was aborted, 99 thresholds failed, 2 usage: a file that is unreadable or not a results.json (IMH_ERR_RESULTS_INVALID), files that are not shards of one run (IMH_ERR_MERGE_MISMATCH: another profile, schedule or shard count, or a shard twice), a bad --threshold.`

  static override examples = [
    '<%= config.bin %> merge shard-0.json shard-1.json shard-2.json --out all.json',
    "<%= config.bin %> merge shard-*.json --out all.json --threshold 'sync_latency:p(99)<50'",
  ]

  static override strict = false

  static override args = {
    files: Args.string({description: 'results.json files of the shards (imh load --shard i/N --out FILE)', required: true}),
  }

  static override flags = {
    out: Flags.string({description: 'write the merged results (docs/results-schema.md) to this JSON file'}),
    threshold: Flags.string({description: "extra threshold 'metric:expression' judged on the merge, e.g. 'sync_latency:p(99)<50' (repeatable)", multiple: true}),
    quiet: Flags.boolean({char: 'q', description: 'print no summary, only warnings and errors'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Merge)
    const files = argv as string[]
    let merged
    try {
      // Before the work: a merge that cannot be saved is a usage error, not a lost result.
      if (flags.out) await checkReportPath(flags.out, '--out')
      merged = mergeResults(await Promise.all(files.map(readShard)), flags.threshold ?? [])
    } catch (err) {
      if (isImhError(err)) this.error(`${err.code}: ${err.message}`, {exit: EXIT.USAGE})
      if (err instanceof ReportFileError) this.error(err.message, {exit: EXIT.USAGE})
      throw err
    }
    for (const w of merged.warnings) process.stderr.write(`warning: ${w}\n`)
    if (!flags.quiet) process.stdout.write(`${formatSummary(merged.result, {color: Boolean(process.stdout.isTTY)})}\n`)
    if (flags.out) {
      try {
        await writeResultsJson(flags.out, merged.result)
      } catch (err) {
        this.error(`--out ${flags.out}: ${(err as Error).message}`, {exit: EXIT.USAGE})
      }
      process.stdout.write(`merged results written to ${flags.out}\n`)
    }
    const code = exitCodeFor(merged.result)
    if (code !== 0) this.exit(code)
  }
}

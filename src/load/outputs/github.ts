import {annotation} from '../../common/github-actions.js'
import type {RunResult} from '../types.js'
import {isRunOk} from './run-ok.js'
import {formatSummary, rateText, saturationText} from './summary.js'

/** The run's job summary: a verdict line, then the text summary as imh load prints it. */
export function loadJobSummary(result: RunResult): string {
  const failed = result.thresholds.filter((t) => !t.ok).length
  const verdict = isRunOk(result) ? '✅ passed' : `❌ failed${failed ? ` (${failed} of ${result.thresholds.length} thresholds)` : ''}`
  return `### imh load \`${result.meta.profile}\` → ${result.meta.target}: ${verdict}\n\n\`\`\`\n${formatSummary(result)}\`\`\`\n`
}

/** Annotations: an error per failed threshold and for a failed or aborted run; warnings for saturation and a missed rate. */
export function loadAnnotations(result: RunResult): string[] {
  const lines: string[] = []
  if (result.runError) lines.push(annotation('error', `imh load: ${result.runError.code}`, result.runError.message))
  if (result.aborted) lines.push(annotation('error', 'imh load: aborted', result.aborted.reason))
  for (const t of result.thresholds.filter((x) => !x.ok)) {
    lines.push(annotation('error', `imh load threshold ${t.metric}`, `${t.metric} ${t.expression} failed: ${t.actual === null ? 'no samples' : `actual ${t.actual}`}`))
  }
  if (result.saturation.flagged) lines.push(annotation('warning', 'imh load: generator saturated', saturationText(result.saturation, result.timeSeries)))
  if (result.rate.flagged) lines.push(annotation('warning', 'imh load: rate missed', rateText(result.rate)))
  return lines
}

import {addThreshold} from '../profile/apply-overrides.js'
import type {ResultsJson} from '../outputs/results-json.js'
import type {ThresholdSpec} from '../types.js'

/** The thresholds a file's run judged: `meta.thresholds`, or for files of older versions the outcomes' expressions. */
function thresholdsOf(r: ResultsJson): ThresholdSpec[] {
  if (r.meta.thresholds) return r.meta.thresholds
  return r.thresholds.map((t) => ({metric: t.metric, expressions: [{source: t.expression, abortOnFail: t.abortOnFail, delayAbortEvalMs: 0}]}))
}

/**
 * What the merge judges: every threshold any file's run judged (shards of one profile declare the
 * same ones; a shard's own --threshold joins them), each expression once, then `extra`
 * (`imh merge --threshold metric:expression`). Throws IMH_ERR_THRESHOLD_INVALID on a bad flag.
 */
export function mergeThresholds(files: readonly ResultsJson[], extra: readonly string[] = []): ThresholdSpec[] {
  const out: ThresholdSpec[] = []
  for (const spec of files.flatMap(thresholdsOf)) {
    let mine = out.find((t) => t.metric === spec.metric)
    if (!mine) out.push((mine = {metric: spec.metric, expressions: []}))
    for (const e of spec.expressions) if (!mine.expressions.some((x) => x.source === e.source)) mine.expressions.push({...e})
  }
  for (const flag of extra) addThreshold(out, flag)
  return out
}

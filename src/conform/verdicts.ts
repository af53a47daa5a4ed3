import {type CaseResult, VERDICTS, type VerdictCounts} from './types.js'

/** How many results got each verdict (every verdict present, zeros included). */
export function countVerdicts(results: readonly Pick<CaseResult, 'verdict'>[]): VerdictCounts {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts
  for (const r of results) counts[r.verdict]++
  return counts
}

import {readFile} from 'node:fs/promises'
import {ImhError} from '../../protocol/errors.js'
import {RESULTS_SCHEMA, type ResultsJson} from '../outputs/results-json.js'

function invalid(file: string, why: string): ImhError {
  return new ImhError('IMH_ERR_RESULTS_INVALID', `${file}: ${why}`, {file})
}

/** Reads a results.json `imh load --out` wrote; throws IMH_ERR_RESULTS_INVALID naming the file and what is wrong. */
export async function readResults(file: string): Promise<ResultsJson> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw invalid(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw invalid(file, 'is not JSON')
  }
  const d = doc as Partial<ResultsJson> | null
  if (d === null || typeof d !== 'object' || d.schema !== RESULTS_SCHEMA) {
    throw invalid(file, `is not a results.json of imh load (schema "${String((d as {schema?: unknown} | null)?.schema)}", expected "${RESULTS_SCHEMA}")`)
  }
  if (typeof d.metrics !== 'object' || typeof d.counters !== 'object' || !Array.isArray(d.thresholds) || typeof d.meta?.profile !== 'string') {
    throw invalid(file, 'lacks metrics, counters, thresholds or meta.profile')
  }
  return d as ResultsJson
}

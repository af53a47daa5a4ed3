import {METRICS, declaredBy} from '../metrics/catalogue.js'
import type {MetricDefinition} from '../metrics/metric-definition.js'
import {SCHEDULE_FIELDS} from '../profile/parse-scenario.js'
import {SCENARIO_MODULES} from '../scenarios/index.js'
import {COMMON_OPTIONS, type ScenarioModule} from '../scenarios/scenario-module.js'
import {EXECUTOR_KINDS} from '../types.js'
import {OPTION_HEADER, code, optionRows, table} from './markdown.js'

const MODULES: readonly ScenarioModule[] = SCENARIO_MODULES

/** The fields every scenario has: kind, executor, schedule, and the options every kind takes. */
export function scenarioFieldsTable(): string {
  return table(OPTION_HEADER, [
    [code('scenario'), `one of ${MODULES.map((m) => code(m.kind)).join(', ')}`, '**required**', 'what each client does; see [Scenario kinds](#scenario-kinds-and-their-fields)'],
    [code('executor'), `one of ${EXECUTOR_KINDS.map(code).join(', ')}`, '**required**', 'how clients are scheduled; see [Executors](#executors)'],
    ...optionRows(SCHEDULE_FIELDS),
    ...optionRows(COMMON_OPTIONS),
  ])
}

/** What `--rate R` does to one scenario kind under a VU executor, as a sentence. */
export function rateText(m: ScenarioModule): string {
  const r = m.rate
  if (r.sets === undefined) return `left as it is: ${r.doc}.`
  const field = code(m.options[r.sets]!.field)
  return r.as === 'rate'
    ? `R ${r.unit} per second in total, so ${field} = R / peak VUs.`
    : `R ${r.unit} per second in total, so ${field} = peak VUs / R seconds (rounded to whole ms).`
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function metricList(metrics: readonly MetricDefinition[]): string {
  const names = [...new Set(metrics.map((d) => d.name))]
  return names.length === 0 ? 'none' : names.map(code).join(', ')
}

/** One section per scenario kind: summary, details, options, `--rate`, metrics. */
export function scenarioSections(): string {
  return MODULES.map((m) => [
    `#### ${code(m.kind)}`,
    capitalized(m.summary),
    ...(m.details ? [m.details] : []),
    table(OPTION_HEADER, optionRows(m.options)),
    `**\`--rate R\`** under a VU executor: ${rateText(m)}`,
    `**Metrics** of its own: ${metricList(m.metrics)}; see [Metrics](#metrics) for these and the engine's.`,
  ].join('\n\n')).join('\n\n')
}

/** The `--rate` rule of every scenario kind under VU executors, as a list. */
export function rateList(): string {
  return MODULES.map((m) => `- ${code(m.kind)}: ${rateText(m)}`).join('\n')
}

/** Every metric `imh load` records: name, kind, unit, who records it, what it measures. */
export function metricsTable(): string {
  return table(['metric', 'kind', 'unit', 'recorded by', 'what'], METRICS.map((d) => {
    const by = declaredBy(d.name)
    return [code(d.name), d.kind, d.unit, by.length ? by.map(code).join(', ') : 'the engine', d.description]
  }))
}

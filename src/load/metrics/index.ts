export {LatencyHistogram} from '../../common/histogram.js'
export {ALWAYS_REPORTED_COUNTERS, METRICS, metricDefinition, metricKind, type MetricDefinition, type MetricKind, type MetricUnit} from './catalogue.js'
export {MetricsAggregate, MetricsRecorder} from './registry.js'
export {
  THRESHOLD_AGGREGATIONS,
  THRESHOLD_OPERATORS,
  evaluateThresholds,
  parseThresholdExpression,
  shouldAbort,
  validateThresholds,
  type ParsedThreshold,
  type ThresholdAggregation,
  type ThresholdOperator,
  type ValidatedThreshold,
} from './thresholds.js'

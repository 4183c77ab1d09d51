// CloudWatch metrics in Embedded Metric Format, derived from the structured log events the authorizer already emits.
import type { MetricsConfig } from '../settings/metrics.js'
import type { Logger, LogFields } from './logger.js'

type Unit = 'Count' | 'Milliseconds'

interface MetricSet {
  /** Dimension names besides FunctionName, each list one rollup. */
  readonly rollups: ReadonlyArray<readonly string[]>
  readonly dimensions: Readonly<Record<string, string>>
  readonly values: ReadonlyArray<{ readonly name: string; readonly unit: Unit; readonly value: number }>
}

const str = (value: LogFields[string], fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback)
const num = (value: LogFields[string]): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

function timed(count: string, duration: string, fields: LogFields) {
  const ms = num(fields.duration_ms ?? fields.latency_ms)
  return [{ name: count, unit: 'Count' as const, value: 1 }, ...(ms === undefined ? [] : [{ name: duration, unit: 'Milliseconds' as const, value: ms }])]
}

const optOut = (name: string): MetricSet => ({ rollups: [['OptOut']], dimensions: { OptOut: name }, values: [{ name: 'OptOuts', unit: 'Count', value: 1 }] })

/**
 * The events worth a metric, keyed by log message. Every dimension value is a code from a closed set (outcomes and
 * reason codes), never a claim or URL, so the number of metric series stays bounded whatever traffic arrives.
 */
const FROM_LOG: Readonly<Record<string, (fields: LogFields) => MetricSet>> = {
  decision: (f) => ({
    rollups: [['Outcome'], ['Outcome', 'Reason']],
    dimensions: { Outcome: str(f.outcome, 'unknown'), Reason: str(f.reason, 'unknown') },
    values: timed('Decisions', 'DecisionLatency', f),
  }),
  jwks_fetch: (f) => ({ rollups: [['Outcome']], dimensions: { Outcome: str(f.outcome, 'unknown') }, values: timed('JwksFetches', 'JwksFetchDuration', f) }),
  ssm_load: (f) => ({ rollups: [['Outcome']], dimensions: { Outcome: 'ok' }, values: timed('SsmLoads', 'SsmLoadDuration', f) }),
  ssm_load_failed: (f) => ({ rollups: [['Outcome']], dimensions: { Outcome: 'failed' }, values: timed('SsmLoads', 'SsmLoadDuration', f) }),
  ssm_throttled: (f) => ({ rollups: [['Outcome']], dimensions: { Outcome: 'throttled' }, values: timed('SsmLoads', 'SsmLoadDuration', f) }),
  // Security opt-outs, once per cold start each: an alarm on OptOuts > 0 finds every deployment that weakens a default.
  dev_mode: () => optOut('dev_mode'),
  weak_hmac_key: () => optOut('weak_hmac_key'),
  any_issuer: () => optOut('any_issuer'),
  any_audience: () => optOut('any_audience'),
  foreign_jwks_host: () => optOut('foreign_jwks_host'),
}

/** One EMF document: CloudWatch Logs turns it into metric data points, no API call and no extra latency. */
export function emfLine(set: MetricSet, config: MetricsConfig, timestampMs: number): string {
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: config.namespace,
          Dimensions: set.rollups.map((rollup) => ['FunctionName', ...rollup]),
          Metrics: set.values.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    FunctionName: config.functionName,
    ...set.dimensions,
  }
  for (const { name, value } of set.values) doc[name] = value
  return `${JSON.stringify(doc)}\n`
}

/**
 * Wraps a logger so that decisions, JWKS fetches and SSM loads also become metrics, whatever the log level: metrics
 * are written on their own line before the log level filters anything. Off, it returns the logger unchanged.
 */
export function withMetrics(
  logger: Logger,
  config: MetricsConfig,
  now: () => number = Date.now,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  if (!config.enabled) return logger
  return {
    log(level, message, fields = {}) {
      const metric = Object.hasOwn(FROM_LOG, message) ? FROM_LOG[message] : undefined
      if (metric !== undefined) write(emfLine(metric(fields), config, now()))
      logger.log(level, message, fields)
    },
  }
}

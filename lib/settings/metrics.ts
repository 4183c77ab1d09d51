// Parses AUTHORIZER_METRICS (environment only) into the metrics configuration: on or off, and the function it reports for.
import type { Settings } from './env.js'
import { parseBoolean } from './values.js'

export interface MetricsConfig {
  readonly enabled: boolean
  /** CloudWatch namespace of every metric. */
  readonly namespace: string
  /** A dimension of every metric, so that stages and services sharing an account keep their figures apart. */
  readonly functionName: string
}

export const METRICS_NAMESPACE = 'CubeJwtAuthorizer'

/** Throws a configuration error naming AUTHORIZER_METRICS when the value is neither true nor false. */
export function parseMetricsConfig(settings: Settings, functionName: string | undefined = process.env.AWS_LAMBDA_FUNCTION_NAME): MetricsConfig {
  return Object.freeze({
    enabled: parseBoolean('AUTHORIZER_METRICS', settings.AUTHORIZER_METRICS, false),
    namespace: METRICS_NAMESPACE,
    functionName: functionName === undefined || functionName === '' ? 'local' : functionName,
  })
}

/** For work that starts before any invocation (SSM load, JWKS prefetch): a bad value means off here and 500 per request. */
export function metricsConfigOrOff(settings: Settings, functionName?: string): MetricsConfig {
  try {
    return parseMetricsConfig(settings, functionName)
  } catch {
    return Object.freeze({ ...parseMetricsConfig({}, functionName), enabled: false })
  }
}

// AUTHORIZER_METRICS parsing: on, off, blank, invalid (named, never echoed), and the function dimension.
import { describe, expect, it } from 'vitest'
import { metricsConfigOrOff, parseMetricsConfig } from '../../../lib/settings/metrics.js'
import { AuthorizerError } from '../../../lib/errors.js'

describe('parseMetricsConfig', () => {
  it('is off unless AUTHORIZER_METRICS is true (any case, trimmed)', () => {
    expect(parseMetricsConfig({}, 'fn').enabled).toBe(false)
    expect(parseMetricsConfig({ AUTHORIZER_METRICS: '' }, 'fn').enabled).toBe(false)
    expect(parseMetricsConfig({ AUTHORIZER_METRICS: 'false' }, 'fn').enabled).toBe(false)
    expect(parseMetricsConfig({ AUTHORIZER_METRICS: ' TRUE ' }, 'fn').enabled).toBe(true)
  })

  it('reports under the CubeJwtAuthorizer namespace for the Lambda function it runs in', () => {
    expect(parseMetricsConfig({ AUTHORIZER_METRICS: 'true' }, 'cube-jwt-authorizer-prod-authorizer')).toStrictEqual({
      enabled: true,
      namespace: 'CubeJwtAuthorizer',
      functionName: 'cube-jwt-authorizer-prod-authorizer',
    })
  })

  it('names the function "local" outside Lambda', () => {
    expect(parseMetricsConfig({ AUTHORIZER_METRICS: 'true' }, '').functionName).toBe('local')
  })

  it('rejects any other value with a configuration error that names the setting, not the value', () => {
    let error: unknown
    try {
      parseMetricsConfig({ AUTHORIZER_METRICS: 'yes-please-7f3' }, 'fn')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AuthorizerError)
    expect(error).toMatchObject({ code: 'config_invalid', setting: 'AUTHORIZER_METRICS' })
    expect(String((error as Error).message)).not.toContain('yes-please-7f3')
  })
})

describe('metricsConfigOrOff', () => {
  it('turns an invalid value into metrics off instead of throwing (init must not fail)', () => {
    expect(metricsConfigOrOff({ AUTHORIZER_METRICS: 'maybe' }, 'fn')).toStrictEqual({ enabled: false, namespace: 'CubeJwtAuthorizer', functionName: 'fn' })
    expect(metricsConfigOrOff({ AUTHORIZER_METRICS: 'true' }, 'fn').enabled).toBe(true)
  })
})

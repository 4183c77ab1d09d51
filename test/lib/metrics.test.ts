// CloudWatch Embedded Metric Format lines derived from the authorizer's log events.
import { describe, expect, it } from 'vitest'
import type { MetricsConfig } from '../../lib/config-metrics.js'
import { jsonLogger, LogLevel } from '../../lib/logger.js'
import { withMetrics } from '../../lib/metrics.js'
import { capturedLogger } from '../support/tokens.js'

const ON: MetricsConfig = { enabled: true, namespace: 'CubeJwtAuthorizer', functionName: 'cube-jwt-authorizer-prod-authorizer' }
const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0)

interface EmfDoc {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> }
  [member: string]: unknown
}

/** The EMF specification's rules: every named metric is a number member and every dimension a string member. */
function emf(line: string): EmfDoc {
  expect(line.endsWith('\n')).toBe(true)
  const doc = JSON.parse(line) as EmfDoc
  const [directive, ...more] = doc._aws.CloudWatchMetrics
  expect(more).toHaveLength(0)
  expect(directive).toBeDefined()
  for (const rollup of directive?.Dimensions ?? []) {
    expect(rollup.length).toBeLessThanOrEqual(30)
    for (const name of rollup) expect(typeof doc[name]).toBe('string')
  }
  for (const metric of directive?.Metrics ?? []) expect(typeof doc[metric.Name]).toBe('number')
  return doc
}

function setup(config: MetricsConfig = ON, inner = capturedLogger()) {
  const lines: string[] = []
  const logger = withMetrics(inner.logger, config, () => NOW_MS, (line) => lines.push(line))
  return { logger, lines, inner }
}

describe('withMetrics', () => {
  it('returns the logger unchanged when metrics are off', () => {
    const inner = capturedLogger()
    expect(withMetrics(inner.logger, { ...ON, enabled: false })).toBe(inner.logger)
  })

  it('turns a decision into Decisions and DecisionLatency by outcome, and by outcome and reason', () => {
    const { logger, lines, inner } = setup()
    logger.log('info', 'decision', { outcome: 'unauthorized', reason: 'token_expired', event: 'rest_token', latency_ms: 7 })
    expect(lines.map(emf)).toStrictEqual([
      {
        _aws: {
          Timestamp: NOW_MS,
          CloudWatchMetrics: [
            {
              Namespace: 'CubeJwtAuthorizer',
              Dimensions: [['FunctionName', 'Outcome'], ['FunctionName', 'Outcome', 'Reason']],
              Metrics: [{ Name: 'Decisions', Unit: 'Count' }, { Name: 'DecisionLatency', Unit: 'Milliseconds' }],
            },
          ],
        },
        FunctionName: 'cube-jwt-authorizer-prod-authorizer',
        Outcome: 'unauthorized',
        Reason: 'token_expired',
        Decisions: 1,
        DecisionLatency: 7,
      },
    ])
    // The log line itself still goes out, unchanged.
    expect(inner.named('decision')).toMatchObject([{ outcome: 'unauthorized', reason: 'token_expired', latency_ms: 7 }])
  })

  it('counts JWKS fetches by outcome, with their duration', () => {
    const { logger, lines } = setup()
    logger.log('info', 'jwks_fetch', { url: 'https://idp.example/jwks', outcome: 'ok', status: 200, duration_ms: 41 })
    logger.log('warn', 'jwks_fetch', { url: 'https://idp.example/jwks', outcome: 'failed', reason: 'timeout', duration_ms: 2000 })
    expect(lines.map(emf).map((d) => [d.Outcome, d.JwksFetches, d.JwksFetchDuration, d._aws.CloudWatchMetrics[0]?.Dimensions])).toStrictEqual([
      ['ok', 1, 41, [['FunctionName', 'Outcome']]],
      ['failed', 1, 2000, [['FunctionName', 'Outcome']]],
    ])
  })

  it('counts SSM loads as ok, failed or throttled', () => {
    const { logger, lines } = setup()
    logger.log('info', 'ssm_load', { outcome: 'ok', path: '/cube-auth/prod', found: 2, attempts: 1, duration_ms: 80 })
    logger.log('error', 'ssm_load_failed', { outcome: 'failed', reason: 'ssm_unavailable', duration_ms: 12 })
    logger.log('error', 'ssm_throttled', { outcome: 'failed', reason: 'ssm_throttled', duration_ms: 3000 })
    expect(lines.map(emf).map((d) => [d.Outcome, d.SsmLoads, d.SsmLoadDuration])).toStrictEqual([
      ['ok', 1, 80],
      ['failed', 1, 12],
      ['throttled', 1, 3000],
    ])
  })

  it('writes no metric for other log events', () => {
    const { logger, lines, inner } = setup()
    logger.log('warn', 'jwks_stale', { age_seconds: 400 })
    logger.log('warn', 'key_skipped', { index: 1 })
    expect(lines).toStrictEqual([])
    expect(inner.lines).toHaveLength(2)
  })

  it('still counts decisions that the log level filters out', () => {
    const logLines: string[] = []
    const quiet = jsonLogger(LogLevel.ERROR, (line) => logLines.push(line))
    const { logger, lines } = setup(ON, { logger: quiet, lines: logLines, entries: () => [], named: () => [] })
    logger.log('info', 'decision', { outcome: 'allow', reason: 'ok', latency_ms: 1 })
    expect(logLines).toStrictEqual([])
    expect(lines.map(emf).map((d) => d.Outcome)).toStrictEqual(['allow'])
  })

  it('puts a placeholder for a missing outcome or reason and leaves out a latency that is not a number', () => {
    const { logger, lines } = setup()
    logger.log('info', 'decision', {})
    const [doc] = lines.map(emf)
    expect(doc).toMatchObject({ Outcome: 'unknown', Reason: 'unknown', Decisions: 1 })
    expect(doc?._aws.CloudWatchMetrics[0]?.Metrics).toStrictEqual([{ Name: 'Decisions', Unit: 'Count' }])
    expect(doc).not.toHaveProperty('DecisionLatency')
  })

  it('carries no field of the log event beyond the dimensions and values (no URL, path or detail)', () => {
    const { logger, lines } = setup()
    logger.log('error', 'ssm_load_failed', { outcome: 'failed', path: '/cube-auth/prod', detail: 'AccessDenied', setting: 'AUTHORIZER_SSM_PATH', duration_ms: 5 })
    expect(Object.keys(JSON.parse(lines[0] ?? '{}') as object).sort()).toStrictEqual(['FunctionName', 'Outcome', 'SsmLoadDuration', 'SsmLoads', '_aws'])
  })
})

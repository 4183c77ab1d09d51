// AUTHORIZER_METRICS=true on the built bundle in a cold process: EMF lines for decisions, JWKS fetches and SSM loads.
import { afterEach, describe, expect, it } from 'vitest'
import { runBundle as runShared, type BundleRun } from '../support/bundle-runner.js'
import { generateJwk, startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { startSsmServer, type SsmServer } from '../support/ssm-server.js'
import { hs256, restTokenEvent, signed, withBadSignature } from '../support/tokens.js'

const SECRET = 'metrics-secret-4e1b8c0d27-0123456789abcdef0123456789abcdef012345'
const FUNCTION_NAME = 'cube-jwt-authorizer-prod-authorizer'

/** One cold process of this function: the bundle reads `env` at load, then handles `events` in order. */
const runBundle = (env: Record<string, string>, events: unknown[]) => runShared({ AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME, ...env }, events)

const metricLines = (run: BundleRun) => run.logs.filter((line) => '_aws' in line)
const summary = (run: BundleRun, metric: string) =>
  metricLines(run)
    .filter((line) => metric in line)
    .map((line) => [line.Outcome, ...(line.Reason === undefined ? [] : [line.Reason])].join(':'))

let ssm: SsmServer | undefined
let jwks: JwksServer | undefined
afterEach(async () => {
  await ssm?.close()
  await jwks?.close()
  ssm = undefined
  jwks = undefined
})

describe('dist/authorizer.mjs with AUTHORIZER_METRICS=true', () => {
  it('writes one Decisions metric per invocation, by outcome and reason, for this function, besides the decision log', async () => {
    const token = await hs256(SECRET, { sub: 'alice' })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_METRICS: 'true' }, [
      restTokenEvent(`Bearer ${token}`),
      restTokenEvent(`Bearer ${withBadSignature(token)}`),
      restTokenEvent(),
    ])
    expect(summary(run, 'Decisions')).toStrictEqual(['allow:ok', 'unauthorized:signature_invalid', 'unauthorized:token_missing'])
    for (const line of metricLines(run)) expect(line).toMatchObject({ FunctionName: FUNCTION_NAME, _aws: { CloudWatchMetrics: [{ Namespace: 'CubeJwtAuthorizer' }] } })
    expect(run.logs.filter((line) => line.message === 'decision')).toHaveLength(3)
  })

  it('counts the SSM load at cold start, and the JWKS fetch it runs alongside', async () => {
    const { privateKey, publicJwk } = await generateJwk('ES256', 'k1')
    jwks = await startJwksServer({ keys: { keys: [publicJwk] } })
    ssm = await startSsmServer({ parameters: { '/cube-auth/metrics/CUBEJS_JWT_AUDIENCE': { value: 'cube-api', type: 'String' } } })
    const token = await signed('ES256', privateKey, { sub: 'alice', aud: 'cube-api' }, { kid: 'k1' })
    const run = await runBundle(
      {
        AUTHORIZER_METRICS: 'true',
        AUTHORIZER_SSM_PATH: '/cube-auth/metrics',
        CUBEJS_JWK_URL: jwks.url,
        AUTHORIZER_ALLOW_ANY_ISSUER: 'true',
        AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true',
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDMETRICSTEST',
        AWS_SECRET_ACCESS_KEY: 'metrics-test-key',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      [restTokenEvent(`Bearer ${token}`), restTokenEvent(`Bearer ${token}`)],
    )
    expect(summary(run, 'SsmLoads')).toStrictEqual(['ok'])
    expect(summary(run, 'JwksFetches')).toStrictEqual(['ok'])
    expect(summary(run, 'Decisions')).toStrictEqual(['allow:ok', 'allow:ok'])
  })

  it('counts a throttled SSM load as SsmLoads{Outcome=throttled} and the failed decision as error:ssm_throttled', async () => {
    ssm = await startSsmServer({ parameters: { '/cube-auth/metrics/CUBEJS_API_SECRET': SECRET } })
    ssm.setFault({ kind: 'throttle' })
    const run = await runBundle(
      {
        AUTHORIZER_METRICS: 'true',
        AUTHORIZER_SSM_PATH: '/cube-auth/metrics',
        AUTHORIZER_SSM_TIMEOUT_MS: '300',
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDMETRICSTEST',
        AWS_SECRET_ACCESS_KEY: 'metrics-test-key',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      [restTokenEvent(`Bearer ${await hs256(SECRET, { sub: 'alice' })}`)],
    )
    expect(summary(run, 'SsmLoads')).toStrictEqual(['throttled'])
    expect(summary(run, 'Decisions')).toStrictEqual(['error:ssm_throttled'])
  })

  it('writes no metric at all when AUTHORIZER_METRICS is unset', async () => {
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [restTokenEvent(`Bearer ${await hs256(SECRET, { sub: 'alice' })}`)])
    expect(metricLines(run)).toStrictEqual([])
  })

  it('fails closed with config_invalid naming AUTHORIZER_METRICS when its value is not true or false', async () => {
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_METRICS: 'yes' }, [restTokenEvent(`Bearer ${await hs256(SECRET, { sub: 'alice' })}`)])
    expect(run.outcomes).toMatchObject([{ ok: false, error: { message: 'Authorizer error: config_invalid' } }])
    expect(run.logs.find((line) => line.message === 'decision')).toMatchObject({ reason: 'config_invalid', setting: 'AUTHORIZER_METRICS' })
  })
})

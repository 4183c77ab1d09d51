// `serverless package` with no AWS credentials and no network: the CloudFormation it generates and the zip it ships.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isolatedEnv, ROOT, runServerless, serviceCopy, type SlsRun } from './support/serverless.js'
import { zipEntries } from './support/zip.js'

interface Resource {
  readonly Type: string
  readonly Condition?: string
  readonly Properties: Record<string, unknown>
}
interface Template {
  readonly Conditions?: Record<string, unknown>
  readonly Resources: Record<string, Resource>
  readonly Outputs: Record<string, unknown>
}
interface Packaged {
  readonly run: SlsRun
  readonly dir: string
  readonly template: Template
  /** Every file serverless wrote (template, state, zip), as text, for leak checks. */
  readonly everything: string
}

// Values a user may well have in the shell that runs `serverless deploy` (they are what `npm run token` signs with).
const CANARIES = {
  CUBEJS_API_SECRET: 'canary-api-secret-3f9a1c77e2-0123456789abcdef0123456789abcdef012',
  CUBEJS_API_SECRETS: 'canary-rotated-1b2c,canary-rotated-4d5e',
  CUBEJS_JWT_KEY: 'canary-jwt-key-8e6d2a0f41',
} as const
const PARAM_CANARY = 'canary-param-secret-5c0d9e'
const JWK_URL = 'https://auth.example.com/.well-known/jwks.json'

/** Packages a copy of the service (two runs in one directory would share its .serverless/ and race). */
async function packageService(args: readonly string[], shell: Record<string, string>): Promise<Packaged> {
  const service = await serviceCopy()
  cleanups.push(service.cleanup)
  const dir = join(service.dir, 'out')
  const { env, cleanup } = await isolatedEnv(shell)
  try {
    const run = await runServerless(['package', '--package', dir, ...args], { cwd: service.dir, env })
    if (run.code !== 0) throw new Error(`serverless package failed (${String(run.code)}):\n${run.stdout}\n${run.stderr}`)
    const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template
    const files = await readdir(dir)
    const everything = (await Promise.all(files.map((file) => readFile(join(dir, file), 'latin1')))).join('\n')
    return { run, dir, template, everything }
  } finally {
    await cleanup()
  }
}

/** Every IAM action named anywhere in the template. */
function actionsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(actionsIn)
  if (typeof node !== 'object' || node === null) return []
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'Action' ? (Array.isArray(value) ? value.map(String) : [String(value)]) : actionsIn(value),
  )
}

const ofType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type)
/** The HTTP API's resources (the WebSocket API's routes and authorizer are of the same types, on another ApiId). */
const onHttpApi = ([, resource]: [string, { Properties: Record<string, unknown> }]) => JSON.stringify(resource.Properties.ApiId) === JSON.stringify({ Ref: 'HttpApi' })
const propsOf = (template: Template, id: string) => {
  const resource = template.Resources[id]
  if (resource === undefined) throw new Error(`no resource ${id}`)
  return resource.Properties
}

/** Fn::Not / Fn::Equals over literals: what CloudFormation will decide for the condition. */
function evaluateCondition(condition: unknown): boolean {
  const node = condition as Record<string, unknown[]>
  if (Array.isArray(node['Fn::Not'])) return !evaluateCondition(node['Fn::Not'][0])
  if (Array.isArray(node['Fn::Equals'])) return node['Fn::Equals'][0] === node['Fn::Equals'][1]
  throw new Error(`cannot evaluate ${JSON.stringify(condition)}`)
}

let prod: Packaged
let envOnly: Packaged
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  const shell = {
    ...CANARIES,
    CUBEJS_JWK_URL: JWK_URL,
    CUBEJS_JWT_AUDIENCE: 'audience-from-shell',
    // Dev mode in a developer's shell must never reach a deployment; a blank issuer (an undefined CI variable) neither.
    CUBEJS_DEV_MODE: 'true',
    CUBEJS_JWT_ISSUER: '',
  }
  // Two independent CLI runs in parallel: a stage with SSM on the default runtime, and the default stage with
  // environment-only settings on the runtime a stage parameter chooses.
  ;[prod, envOnly] = await Promise.all([
    packageService(['--stage', 'prod', '--region', 'eu-west-1', '--param=ssmPath=/cube-auth/prod', '--param=jwtAudience=cube-api', `--param=apiSecret=${PARAM_CANARY}`], shell),
    packageService(['--param=runtime=nodejs22.x'], {}),
  ])
})

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

describe('serverless package without AWS credentials', () => {
  it('packages the service for the requested stage and region', () => {
    expect(prod.run.stdout + prod.run.stderr).toContain('Packaging cube-jwt-authorizer for stage prod (eu-west-1)')
    expect(envOnly.run.stdout + envOnly.run.stderr).toContain('Packaging cube-jwt-authorizer for stage dev (us-east-1)')
  })

  it('creates a REST API TOKEN and a REST API REQUEST authorizer on two functions, identity source Authorization, cached 300 s', () => {
    const authorizers = Object.fromEntries(ofType(prod.template, 'AWS::ApiGateway::Authorizer').map(([id, r]) => [id, r.Properties]))
    expect(Object.keys(authorizers).sort()).toStrictEqual(['AuthorizerApiGatewayAuthorizer', 'AuthorizerRequestApiGatewayAuthorizer'])
    expect(authorizers.AuthorizerApiGatewayAuthorizer).toMatchObject({
      Type: 'TOKEN', Name: 'authorizer', IdentitySource: 'method.request.header.Authorization', AuthorizerResultTtlInSeconds: 300,
    })
    expect(authorizers.AuthorizerRequestApiGatewayAuthorizer).toMatchObject({
      Type: 'REQUEST', Name: 'authorizerRequest', IdentitySource: 'method.request.header.Authorization', AuthorizerResultTtlInSeconds: 300,
    })
    expect(JSON.stringify(authorizers.AuthorizerApiGatewayAuthorizer?.AuthorizerUri)).toContain('"AuthorizerLambdaFunction","Arn"')
    expect(JSON.stringify(authorizers.AuthorizerRequestApiGatewayAuthorizer?.AuthorizerUri)).toContain('"AuthorizerRequestLambdaFunction","Arn"')
  })

  it('creates an HTTP API request authorizer with payload 2.0, IAM policy answers, identity source Authorization, cached 300 s', () => {
    const authorizers = ofType(prod.template, 'AWS::ApiGatewayV2::Authorizer').filter(onHttpApi)
    expect(authorizers.map(([id]) => id)).toStrictEqual(['HttpApiAuthorizerCubeJwtRequest'])
    const props = propsOf(prod.template, 'HttpApiAuthorizerCubeJwtRequest')
    expect(props).toMatchObject({
      AuthorizerType: 'REQUEST',
      Name: 'cubeJwtRequest',
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: false,
    })
    expect(JSON.stringify(props.AuthorizerUri)).toContain('"AuthorizerLambdaFunction","Arn"')
  })

  it('puts whoami behind each authorizer: REST GET /whoami (TOKEN), GET /whoami/request (REQUEST), HTTP API GET /v2/whoami', () => {
    expect(propsOf(prod.template, 'ApiGatewayResourceWhoami')).toMatchObject({ PathPart: 'whoami' })
    expect(propsOf(prod.template, 'ApiGatewayResourceWhoamiRequest')).toMatchObject({ PathPart: 'request', ParentId: { Ref: 'ApiGatewayResourceWhoami' } })
    expect(propsOf(prod.template, 'ApiGatewayMethodWhoamiGet')).toMatchObject({
      HttpMethod: 'GET', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'AuthorizerApiGatewayAuthorizer' }, ResourceId: { Ref: 'ApiGatewayResourceWhoami' },
    })
    expect(propsOf(prod.template, 'ApiGatewayMethodWhoamiRequestGet')).toMatchObject({
      HttpMethod: 'GET', AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'AuthorizerRequestApiGatewayAuthorizer' }, ResourceId: { Ref: 'ApiGatewayResourceWhoamiRequest' },
    })
    for (const id of ['ApiGatewayMethodWhoamiGet', 'ApiGatewayMethodWhoamiRequestGet'])
      expect(JSON.stringify(propsOf(prod.template, id).Integration)).toContain('"WhoamiLambdaFunction","Arn"')
    const routes = Object.fromEntries(ofType(prod.template, 'AWS::ApiGatewayV2::Route').filter(onHttpApi).map(([, r]) => [r.Properties.RouteKey, r.Properties]))
    expect(Object.keys(routes).sort()).toStrictEqual(['GET /auth/cubejs-token', 'GET /cubejs-api/v1/meta', 'GET /v2/whoami'])
    expect(routes['GET /v2/whoami']).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'HttpApiAuthorizerCubeJwtRequest' }, Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationWhoami' }]] } })
    expect(routes['GET /cubejs-api/v1/meta']).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: 'HttpApiAuthorizerCubeJwtRequest' } })
    // The token endpoint is the login's job, not the authorizer's: it has no authorizer in front of it.
    expect(routes['GET /auth/cubejs-token']?.AuthorizationType).toBeUndefined()
  })

  it('creates a WebSocket API whose $connect REQUEST authorizer reads the token from the query string parameter it is configured for', () => {
    const authorizers = ofType(prod.template, 'AWS::ApiGatewayV2::Authorizer').filter((entry) => !onHttpApi(entry))
    expect(authorizers.map(([, r]) => r.Properties.IdentitySource)).toStrictEqual([['route.request.querystring.token']])
    expect(JSON.stringify(authorizers.map(([, r]) => r.Properties.AuthorizerUri))).toContain('"AuthorizerWebsocketLambdaFunction","Arn"')
    const routes = Object.fromEntries(ofType(prod.template, 'AWS::ApiGatewayV2::Route').filter(([, r]) => String(r.Properties.RouteKey).startsWith('$')).map(([, r]) => [r.Properties.RouteKey, r.Properties]))
    expect(Object.keys(routes).sort()).toStrictEqual(['$connect', '$default', '$disconnect'])
    expect(routes.$connect).toMatchObject({ AuthorizationType: 'CUSTOM' })
    expect(propsOf(prod.template, 'AuthorizerWebsocketLambdaFunction').Environment).toMatchObject({ Variables: { AUTHORIZER_TOKEN_QUERY_PARAM: 'token' } })
  })

  it('runs every function on nodejs24.x arm64 from dist/, with bounded memory, timeout and log retention', () => {
    const functions = Object.fromEntries(ofType(prod.template, 'AWS::Lambda::Function').map(([id, r]) => [id, r.Properties]))
    expect(Object.fromEntries(Object.entries(functions).map(([id, p]) => [id, p.Handler]))).toStrictEqual({
      AuthorizerLambdaFunction: 'dist/authorizer.handler',
      AuthorizerRequestLambdaFunction: 'dist/authorizer.handler',
      WhoamiLambdaFunction: 'dist/whoami.handler',
      TokenEndpointLambdaFunction: 'dist/token-endpoint.handler',
      CubeApiMetaLambdaFunction: 'dist/cube-api-meta.handler',
      AuthorizerWebsocketLambdaFunction: 'dist/authorizer.handler',
      WebsocketLambdaFunction: 'dist/websocket.handler',
    })
    for (const props of Object.values(functions)) expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256, Timeout: 10 })
    const retention = ofType(prod.template, 'AWS::Logs::LogGroup').map(([, r]) => r.Properties.RetentionInDays)
    expect(retention).toStrictEqual([30, 30, 30, 30, 30, 30, 30])
  })

  it('runs every function on nodejs22.x when the runtime stage parameter says so', () => {
    const functions = ofType(envOnly.template, 'AWS::Lambda::Function')
    expect(functions).toHaveLength(7)
    for (const [id, resource] of functions) expect(resource.Properties.Runtime, id).toBe('nodejs22.x')
  })

  it('grants exactly ssm:GetParameters on <ssmPath>/* and kms:Decrypt through SSM, with pseudo parameters only', () => {
    const policy = prod.template.Resources.SsmSettingsPolicy
    expect(policy).toStrictEqual({
      Type: 'AWS::IAM::Policy',
      Condition: 'UsesSsm',
      Properties: {
        PolicyName: 'ssm-settings',
        Roles: [{ Ref: 'IamRoleLambdaExecution' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/cube-auth/prod/*' } },
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
              Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
            },
          ],
        },
      },
    })
    expect(evaluateCondition(prod.template.Conditions?.UsesSsm)).toBe(true)
    // The role itself only writes logs (and, which Serverless adds for any WebSocket API, may post to its connections):
    // nothing else anywhere in the template grants SSM or KMS.
    const roleStatements = (propsOf(prod.template, 'IamRoleLambdaExecution').Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: string[] }> } }>)
      .flatMap((p) => p.PolicyDocument.Statement)
    expect(roleStatements.flatMap((s) => s.Action).filter((action) => !action.startsWith('logs:'))).toStrictEqual(['execute-api:ManageConnections'])
    expect(actionsIn(prod.template).filter((action) => /^(ssm|kms):/.test(action))).toStrictEqual(['ssm:GetParameters', 'kms:Decrypt'])
  })

  it('grants no SSM or KMS permission at all without an ssmPath (environment-only settings)', () => {
    expect(evaluateCondition(envOnly.template.Conditions?.UsesSsm)).toBe(false)
    expect(envOnly.template.Resources.SsmSettingsPolicy?.Condition).toBe('UsesSsm')
    expect(propsOf(envOnly.template, 'AuthorizerLambdaFunction').Environment).toMatchObject({ Variables: { AUTHORIZER_SSM_PATH: '' } })
  })

  it('wires non-secret settings from stage parameters first, then the shell, and leaves secrets and dev mode out', () => {
    const expected = {
      AUTHORIZER_SSM_PATH: '/cube-auth/prod',
      AUTHORIZER_LOG_LEVEL: 'info',
      AUTHORIZER_METRICS: 'false',
      CUBEJS_JWK_URL: JWK_URL,
      CUBEJS_JWT_AUDIENCE: 'cube-api',
      CUBEJS_JWT_SUBJECT: '',
      CUBEJS_JWT_CLAIMS_NAMESPACE: '',
      // API scopes stay off unless a stage turns them on (params.scoped; docs/cube-api-scopes.md).
      AUTHORIZER_CUBE_API_SCOPES: '',
      AUTHORIZER_SCOPES_CLAIM: '',
      CUBEJS_DEFAULT_API_SCOPES: '',
      AUTHORIZER_CUBE_BASE_PATH: '',
      AUTHORIZER_UNSCOPED_ROUTES: '',
      AUTHORIZER_ROUTE_REQUIREMENTS: '',
    }
    for (const [id, resource] of ofType(prod.template, 'AWS::Lambda::Function')) {
      const extra =
        id === 'TokenEndpointLambdaFunction' ? { AUTHORIZER_DEMO_LOGIN: 'false' } : id === 'AuthorizerWebsocketLambdaFunction' ? { AUTHORIZER_TOKEN_QUERY_PARAM: 'token' } : {}
      expect(resource.Properties.Environment, id).toStrictEqual({ Variables: { ...expected, ...extra } })
    }
  })

  it('writes no secret from the shell or from a --param into anything it produced (template, state, zip)', () => {
    const secrets = [...Object.values(CANARIES).flatMap((value) => value.split(',')), PARAM_CANARY]
    for (const secret of secrets) expect(prod.everything).not.toContain(secret)
  })

  it('exports the authorizer functions ARNs for APIs in other services', () => {
    expect(prod.template.Outputs.AuthorizerFunctionArn).toStrictEqual({
      Description: 'Authorizer for REST API TOKEN and HTTP API request authorizers',
      Value: { 'Fn::GetAtt': ['AuthorizerLambdaFunction', 'Arn'] },
      Export: { Name: 'cube-jwt-authorizer-prod-AuthorizerFunctionArn' },
    })
    expect(prod.template.Outputs.AuthorizerRequestFunctionArn).toMatchObject({ Value: { 'Fn::GetAtt': ['AuthorizerRequestLambdaFunction', 'Arn'] } })
  })

  it('ships only the built bundles: no shims, source maps, sources or node_modules', async () => {
    const entries = await zipEntries(join(prod.dir, 'cube-jwt-authorizer.zip'))
    const handlers = (await readdir(join(ROOT, 'handlers'))).map((file) => `dist/${file.replace(/\.ts$/, '.mjs')}`)
    expect(entries.filter((entry) => !entry.startsWith('dist/chunks/'))).toStrictEqual(handlers.sort())
    expect(entries.filter((entry) => entry.startsWith('dist/chunks/')).every((entry) => /^dist\/chunks\/[\w-]+\.mjs(\.LEGAL\.txt)?$/.test(entry))).toBe(true)
    expect(entries.some((entry) => /^dist\/chunks\/sdk-client-\w+\.mjs$/.test(entry))).toBe(true)
  })

  it('uses no variable that needs AWS at package time or bakes a secret in (${ssm:...}, ${aws:accountId})', async () => {
    const yml = await readFile(join(ROOT, 'serverless.yml'), 'utf8')
    expect(yml).not.toMatch(/\$\{(ssm|aws|cf|s3):/)
  })
})

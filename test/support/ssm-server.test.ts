// Proves the test SSM server speaks enough SSM for the real @aws-sdk/client-ssm, including the faults tests inject.
import {
  GetParameterCommand,
  GetParametersCommand,
  paginateGetParametersByPath,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startSsmServer, type SsmServer } from './ssm-server.js'

const START_MS = 1_700_000_000_000
const SECRET = 'cube-api-secret-value-0123456789abcdef0123456789abcdef0123456789'

let server: SsmServer
let clockMs: number
const clients: SSMClient[] = []

function client(overrides: SSMClientConfig = {}): SSMClient {
  const c = new SSMClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...overrides,
  })
  clients.push(c)
  return c
}

const getSecret = (c: SSMClient) => c.send(new GetParametersCommand({ Names: ['/cube/secret'], WithDecryption: true }))

beforeEach(async () => {
  clockMs = START_MS
  server = await startSsmServer({
    nowMs: () => clockMs,
    parameters: { '/cube/secret': SECRET, '/cube/audience': { value: 'cube-api', type: 'String' } },
  })
})

afterEach(async () => {
  vi.unstubAllEnvs()
  for (const c of clients.splice(0)) c.destroy()
  await server.close()
})

describe('SSM test server: parameters', () => {
  it('returns stored parameters and lists unknown names as InvalidParameters', async () => {
    const out = await client().send(new GetParametersCommand({ Names: ['/cube/secret', '/cube/missing'], WithDecryption: true }))

    expect(out.InvalidParameters).toEqual(['/cube/missing'])
    expect(out.Parameters).toEqual([{
      Name: '/cube/secret',
      Type: 'SecureString',
      Value: SECRET,
      Version: 1,
      ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/cube/secret',
      DataType: 'text',
      LastModifiedDate: new Date(START_MS),
    }])
  })

  it('returns SecureString values encrypted unless decryption is requested', async () => {
    const names = ['/cube/secret', '/cube/audience']
    const plain = await client().send(new GetParametersCommand({ Names: names }))
    const decrypted = await client().send(new GetParametersCommand({ Names: names, WithDecryption: true }))

    const secretOf = (out: typeof plain) => out.Parameters?.find((p) => p.Name === '/cube/secret')?.Value
    expect(secretOf(plain)).toEqual(expect.any(String))
    expect(secretOf(plain)).not.toContain(SECRET)
    expect(secretOf(decrypted)).toBe(SECRET)
    expect(plain.Parameters?.find((p) => p.Name === '/cube/audience')?.Value).toBe('cube-api')
  })

  it('records each request with its operation, body and whether it was signed', async () => {
    await getSecret(client())

    expect(server.calls).toEqual([{ target: 'GetParameters', body: { Names: ['/cube/secret'], WithDecryption: true }, signed: true }])
    expect(server.callCount('GetParameters')).toBe(1)
    expect(server.callCount('GetParameter')).toBe(0)
  })

  it('bumps the version when a parameter is overwritten and forgets a deleted one', async () => {
    clockMs += 60_000
    server.setParameter('/cube/secret', 'rotated')
    const rotated = await getSecret(client())
    server.deleteParameter('/cube/secret')
    const deleted = await getSecret(client())

    expect(rotated.Parameters?.[0]).toMatchObject({ Value: 'rotated', Version: 2, LastModifiedDate: new Date(START_MS + 60_000) })
    expect(deleted).toMatchObject({ Parameters: [], InvalidParameters: ['/cube/secret'] })
  })

  it('rejects GetParameters with more than ten names as a ValidationException', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/cube/p${i}`)

    await expect(client().send(new GetParametersCommand({ Names: names })))
      .rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })
  })

  it('answers GetParameter and reports a missing name as ParameterNotFound', async () => {
    const c = client()
    const out = await c.send(new GetParameterCommand({ Name: '/cube/audience' }))

    expect(out.Parameter).toMatchObject({ Name: '/cube/audience', Type: 'String', Value: 'cube-api' })
    await expect(c.send(new GetParameterCommand({ Name: '/cube/nope' }))).rejects.toMatchObject({ name: 'ParameterNotFound' })
  })

  it('pages GetParametersByPath and only descends into sub-paths when Recursive', async () => {
    server.setParameter('/cube/jwt/issuer', 'https://issuer.example', 'String')
    server.setParameter('/other/x', 'y', 'String')
    const namesUnder = async (Recursive: boolean) => {
      const names: string[] = []
      for await (const page of paginateGetParametersByPath({ client: client(), pageSize: 2 }, { Path: '/cube', Recursive })) {
        names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''))
      }
      return names
    }

    expect(await namesUnder(false)).toEqual(['/cube/audience', '/cube/secret'])
    expect(await namesUnder(true)).toEqual(['/cube/audience', '/cube/jwt/issuer', '/cube/secret'])
    expect(server.calls.filter((c) => c.body.NextToken !== undefined)).toHaveLength(1)
  })

  it('answers an unknown operation with InvalidAction', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'AmazonSSM.PutParameter', 'Content-Type': 'application/x-amz-json-1.1' },
      body: '{}',
    })

    expect(res.status).toBe(400)
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidAction')
    expect(await res.json()).toMatchObject({ __type: 'InvalidAction' })
  })

  it('is reachable through AWS_ENDPOINT_URL_SSM by a client built with no endpoint', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', server.url)
    vi.stubEnv('AWS_REGION', 'us-east-1')
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
    const envClient = new SSMClient({ maxAttempts: 1 })
    clients.push(envClient)

    const out = await getSecret(envClient)

    expect(out.Parameters?.[0]?.Value).toBe(SECRET)
    expect(server.callCount('GetParameters')).toBe(1)
  })
})

describe('SSM test server: faults', () => {
  it('surfaces a throttle fault as ThrottlingException and counts the throttled request', async () => {
    server.setFault({ kind: 'throttle' })

    await expect(getSecret(client())).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })
    expect(server.callCount()).toBe(1)
  })

  it('lets the SDK standard retry policy (3 attempts) ride out a single ThrottlingException', async () => {
    server.setFault({ kind: 'throttle', times: 1 })

    const out = await getSecret(client({ maxAttempts: 3 }))

    expect(out.Parameters?.[0]?.Value).toBe(SECRET)
    expect(out.$metadata.attempts).toBe(2)
    expect(server.callCount('GetParameters')).toBe(2)
  })

  it('applies a fault only to the next N requests when times is set', async () => {
    const c = client()
    server.setFault({ kind: 'error500', times: 2 })

    await expect(getSecret(c)).rejects.toMatchObject({ name: 'InternalServerError' })
    await expect(getSecret(c)).rejects.toMatchObject({ name: 'InternalServerError' })
    expect((await getSecret(c)).Parameters?.[0]?.Value).toBe(SECRET)
  })

  it('stops faulting once the fault is cleared', async () => {
    const c = client()
    server.setFault({ kind: 'throttle' })
    await expect(getSecret(c)).rejects.toMatchObject({ name: 'ThrottlingException' })
    server.setFault(undefined)

    expect((await getSecret(c)).Parameters?.[0]?.Value).toBe(SECRET)
  })

  it('surfaces accessDenied as AccessDeniedException, which the SDK does not retry', async () => {
    server.setFault({ kind: 'accessDenied' })

    await expect(getSecret(client({ maxAttempts: 3 }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'User is not authorized to perform: ssm:GetParameters',
      $metadata: { httpStatusCode: 400 },
    })
    expect(server.callCount()).toBe(1)
  })

  it('surfaces error500 as InternalServerError with HTTP status 500', async () => {
    server.setFault({ kind: 'error500' })

    await expect(getSecret(client())).rejects.toMatchObject({
      name: 'InternalServerError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    })
  })

  it('surfaces a kms fault as InvalidKeyId', async () => {
    server.setFault({ kind: 'kms' })

    await expect(getSecret(client())).rejects.toMatchObject({ name: 'InvalidKeyId', $metadata: { httpStatusCode: 400 } })
  })

  it('lets burst requests through a rateLimit bucket, throttles the rest and refills at tps', async () => {
    const c = client()
    server.setFault({ kind: 'rateLimit', tps: 2, burst: 3 })
    const outcomes = async (n: number) => {
      const settled: string[] = []
      for (let i = 0; i < n; i += 1) {
        settled.push(await getSecret(c).then(() => 'ok', (e: Error) => e.name))
      }
      return settled
    }

    expect(await outcomes(5)).toEqual(['ok', 'ok', 'ok', 'ThrottlingException', 'ThrottlingException'])
    clockMs += 500; // one token at 2 tps
    expect(await outcomes(2)).toEqual(['ok', 'ThrottlingException'])
    expect(server.callCount()).toBe(7)
  })

  it('answers a delayed request normally once the delay passes', async () => {
    server.setFault({ kind: 'delay', ms: 50 })

    expect((await getSecret(client())).Parameters?.[0]?.Value).toBe(SECRET)
  })

  it('holds a delayed answer past a shorter SDK requestTimeout', async () => {
    server.setFault({ kind: 'delay', ms: 2_000 })
    const c = client({ requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } })

    await expect(getSecret(c)).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('never answers a hung request, so the SDK requestTimeout ends it', async () => {
    server.setFault({ kind: 'hang' })
    const c = client({ requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } })

    await expect(getSecret(c)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(server.callCount()).toBe(1)
  })

  it('sees the SDK retry a timed-out request as a transient error', async () => {
    server.setFault({ kind: 'hang' })
    const c = client({ maxAttempts: 2, requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } })

    await expect(getSecret(c)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(server.callCount()).toBe(2)
  })

  it('closes while a request hangs, failing that request instead of waiting for it', async () => {
    server.setFault({ kind: 'hang' })
    const pending = getSecret(client()).then(() => 'answered', () => 'failed')
    await vi.waitFor(() => expect(server.callCount()).toBe(1))

    await server.close()

    expect(await pending).toBe('failed')
  })
})

// `serverless invoke local -f <function> -p events/<file>.json` for every sample event, through the CJS shims beside dist/*.mjs.
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withBadSignature } from '../support/tokens.js'
import { isolatedEnv, ROOT, runServerless, serviceCopy, type SlsRun } from './support/serverless.js'

/** The example secret (32 bytes or more): the sample events carry a token signed with it (docs/local-development.md). */
const SAMPLE_SECRET = 'example-secret-change-me-32-bytes-or-more'

/** Which function each sample event belongs to. */
const FUNCTION_OF: Readonly<Record<string, string>> = {
  'rest-token.json': 'authorizer',
  'rest-request.json': 'authorizerRequest',
  'http-api-v2.json': 'authorizer',
  'websocket-connect.json': 'authorizer',
  'whoami-rest.json': 'whoami',
  'cube-api-meta.json': 'cubeApiMeta',
  'token-endpoint.json': 'tokenEndpoint',
}

const SAMPLE_CONTEXT = {
  securityContext: '{"tenant":"acme","role":"analyst","iat":1795918545,"sub":"alice"}',
  tenant: 'acme',
  role: 'analyst',
  iat: 1795918545,
  sub: 'alice',
}

/** Handlers log JSON lines first; the result is the last pretty-printed JSON block on stdout. */
function resultOf(run: SlsRun): Record<string, unknown> {
  const start = run.stdout.lastIndexOf('\n{\n') + 1
  return JSON.parse(run.stdout.slice(start)) as Record<string, unknown>
}

let service: { dir: string; cleanup: () => Promise<void> }
let shell: { env: Record<string, string>; cleanup: () => Promise<void> }
const runs = new Map<string, SlsRun>()
let tampered: SlsRun

beforeAll(async () => {
  service = await serviceCopy()
  shell = await isolatedEnv({ CUBEJS_API_SECRET: SAMPLE_SECRET })
  const event = JSON.parse(await readFile(join(service.dir, 'events/rest-token.json'), 'utf8')) as { authorizationToken: string }
  event.authorizationToken = withBadSignature(event.authorizationToken)
  await writeFile(join(service.dir, 'events/tampered.tmp.json'), JSON.stringify(event))
  const jobs: Array<[string, string[]]> = [
    ...Object.entries(FUNCTION_OF).map(([file, fn]): [string, string[]] => [
      file,
      // The token endpoint's placeholder login is off unless the stage parameter turns it on, as `npm run offline` does.
      ['invoke', 'local', '-f', fn, '-p', `events/${file}`, ...(fn === 'tokenEndpoint' ? ['--param=demoLogin=true'] : [])],
    ]),
    ['tampered', ['invoke', 'local', '-f', 'authorizer', '-p', 'events/tampered.tmp.json']],
  ]
  // Two CLI processes at a time: each is mostly CPU (framework start-up), and CI has two cores.
  const queue = [...jobs]
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      runs.set(job[0], await runServerless(job[1], { cwd: service.dir, env: shell.env }))
    }
  }
  await Promise.all([worker(), worker()])
  tampered = runs.get('tampered') as SlsRun
})

afterAll(async () => {
  await service?.cleanup()
  await shell?.cleanup()
})

const run = (file: string): SlsRun => {
  const result = runs.get(file)
  if (result === undefined) throw new Error(`no run for ${file}`)
  if (result.code !== 0) throw new Error(`invoke local ${file} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`)
  return result
}

describe('serverless invoke local', () => {
  it('has a function for every sample event in events/', async () => {
    const files = (await readdir(join(ROOT, 'events'))).filter((file) => file.endsWith('.json'))
    expect(files.sort()).toStrictEqual(Object.keys(FUNCTION_OF).sort())
  })

  it.each([
    ['rest-token.json', 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/*/*'],
    ['rest-request.json', 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/*/*'],
    ['http-api-v2.json', 'arn:aws:execute-api:us-east-1:123456789012:httpapi123/$default/*/*'],
    ['websocket-connect.json', 'arn:aws:execute-api:us-east-1:123456789012:wsapi12345/dev/*'],
  ])('allows the sample token of %s with a stage-wide policy and the security context', (file, resource) => {
    expect(resultOf(run(file))).toStrictEqual({
      principalId: 'alice',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }] },
      context: SAMPLE_CONTEXT,
    })
  })

  it('answers a tampered token with exactly Unauthorized (exit code 1), which API Gateway turns into 401', () => {
    expect(tampered.code).toBe(1)
    expect(resultOf(tampered)).toMatchObject({ errorType: 'Error', errorMessage: 'Unauthorized' })
    expect(tampered.stdout).toContain('"reason":"signature_invalid"')
  })

  it('runs whoami on a REST proxy event and echoes the authorizer context it received', () => {
    const response = resultOf(run('whoami-rest.json'))
    expect(response).toMatchObject({ statusCode: 200 })
    expect(JSON.parse(String(response.body))).toMatchObject({
      securityContext: { tenant: 'acme', role: 'analyst', sub: 'alice' },
      authorizer: { principalId: 'alice', tenant: 'acme' },
    })
  })

  it('runs the Cube API stub on an HTTP API event: no cubes, and a log line with the security context it received', () => {
    const result = run('cube-api-meta.json')
    expect(resultOf(result)).toMatchObject({ statusCode: 200, body: '{"cubes":[]}' })
    expect(result.stdout).toContain('"message":"cube_api_request"')
  })

  it('runs the token endpoint: a one-day token for the demo user, signed with the settings secret', async () => {
    const response = resultOf(run('token-endpoint.json'))
    expect(response).toMatchObject({ statusCode: 200 })
    const { token } = JSON.parse(String(response.body)) as { token: string }
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SAMPLE_SECRET), { algorithms: ['HS256'] })
    expect(payload.sub).toBe('alice')
    expect(Number(payload.exp) - Number(payload.iat)).toBe(86_400)
  })
})

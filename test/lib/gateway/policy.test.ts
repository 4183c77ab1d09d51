// Unit tests for policy resources, the flat result context and the 8 KB result limit.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { codeOfThrow } from '../../support/errors.js'
import { buildContext, iamResult, MAX_RESULT_BYTES, policyResource, PolicyScope, simpleResult } from '../../../lib/gateway/policy.js'

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012'

describe('policyResource with stage scope', () => {
  it('covers every method and path of a REST stage', () => {
    expect(policyResource(`${PREFIX}:abc/prod/GET/whoami`, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
  })

  it('covers the stage for a deep REST path and for the root path', () => {
    expect(policyResource(`${PREFIX}:abc/prod/POST/cubejs-api/v1/load`, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
    expect(policyResource(`${PREFIX}:abc/prod/GET/`, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
  })

  it('covers the stage of an HTTP API routeArn', () => {
    expect(policyResource(`${PREFIX}:http456/$default/GET/cubejs-api/v1/meta`, PolicyScope.STAGE)).toBe(`${PREFIX}:http456/$default/*/*`)
  })

  it('covers every route of a WebSocket stage for $connect', () => {
    expect(policyResource(`${PREFIX}:ws0987/prod/$connect`, PolicyScope.STAGE)).toBe(`${PREFIX}:ws0987/prod/*`)
  })

  it('keeps the partition, region and account of other partitions', () => {
    expect(policyResource('arn:aws-cn:execute-api:cn-north-1:111122223333:abc/dev/GET/x', PolicyScope.STAGE)).toBe(
      'arn:aws-cn:execute-api:cn-north-1:111122223333:abc/dev/*/*',
    )
  })

  it('accepts a request path that itself contains a colon', () => {
    expect(policyResource(`${PREFIX}:abc/prod/POST/v1/items:batchGet`, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
  })

  it.each([
    ['an empty string', ''],
    ['text that is not an ARN', 'not-an-arn'],
    ['an ARN with too few fields', 'arn:aws:execute-api:us-east-1:abc/prod/GET/x'],
    ['an ARN of another service', 'arn:aws:lambda:us-east-1:123456789012:function/prod/GET/x'],
    ['a resource without stage', `${PREFIX}:abc`],
    ['a resource with API id and stage only', `${PREFIX}:abc/prod`],
    ['an empty API id', `${PREFIX}:/prod/GET/x`],
    ['an empty stage', `${PREFIX}:abc//GET/x`],
  ])('rejects %s as event_unknown', (_name, arn) => {
    expect(codeOfThrow(() => policyResource(arn, PolicyScope.STAGE))).toBe(ErrorCode.EVENT_UNKNOWN)
  })
})

describe('policyResource on repeated calls', () => {
  it('answers each ARN and scope on its own, whatever came before', () => {
    const rest = `${PREFIX}:abc/prod/GET/whoami`
    const ws = `${PREFIX}:ws0987/prod/$connect`
    for (let round = 0; round < 3; round++) {
      expect(policyResource(rest, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
      expect(policyResource(rest, PolicyScope.STAGE)).toBe(`${PREFIX}:abc/prod/*/*`)
      expect(policyResource(rest, PolicyScope.ROUTE)).toBe(rest)
      expect(policyResource(ws, PolicyScope.STAGE)).toBe(`${PREFIX}:ws0987/prod/*`)
      expect(codeOfThrow(() => policyResource(`${PREFIX}:abc`, PolicyScope.STAGE))).toBe(ErrorCode.EVENT_UNKNOWN)
      expect(codeOfThrow(() => policyResource(`${PREFIX}:abc`, PolicyScope.STAGE))).toBe(ErrorCode.EVENT_UNKNOWN)
    }
  })
})

describe('policyResource with route scope', () => {
  it('keeps the ARN of the request exactly', () => {
    const arn = `${PREFIX}:abc/prod/GET/whoami`
    expect(policyResource(arn, PolicyScope.ROUTE)).toBe(arn)
    expect(policyResource(`${PREFIX}:ws0987/prod/$connect`, PolicyScope.ROUTE)).toBe(`${PREFIX}:ws0987/prod/$connect`)
  })
})

describe('buildContext', () => {
  it('carries the whole security context as JSON under securityContext', () => {
    const securityContext = { sub: 'u1', tenant: { id: 7 }, roles: ['a', 'b'] }
    const context = buildContext(securityContext)
    expect(context.securityContext).toBe('{"sub":"u1","tenant":{"id":7},"roles":["a","b"]}')
    expect(JSON.parse(String(context.securityContext))).toEqual(securityContext)
  })

  it('copies each top-level string, number and boolean member under its own key', () => {
    expect(buildContext({ userId: 'u1', level: 3, ratio: 0.5, admin: false, empty: '' })).toEqual({
      securityContext: '{"userId":"u1","level":3,"ratio":0.5,"admin":false,"empty":""}',
      userId: 'u1',
      level: 3,
      ratio: 0.5,
      admin: false,
      empty: '',
    })
  })

  it('does not copy objects, arrays, null, NaN, infinities or undefined', () => {
    const context = buildContext({
      obj: { a: 1 },
      arr: [1],
      nothing: null,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      undef: undefined,
    })
    expect(Object.keys(context)).toEqual(['securityContext'])
  })

  it('never lets a claim named securityContext override the serialized context', () => {
    const context = buildContext({ securityContext: '{"admin":true}', userId: 'u1' })
    expect(context.securityContext).toBe('{"securityContext":"{\\"admin\\":true}","userId":"u1"}')
    expect(context.userId).toBe('u1')
  })

  it('serializes an empty security context as {}', () => {
    expect(buildContext({})).toEqual({ securityContext: '{}' })
  })

  it('holds only strings, numbers and booleans', () => {
    const context = buildContext({ a: 'x', b: 1, c: true, d: { e: 1 }, f: [null] })
    expect(Object.values(context).every((v) => ['string', 'number', 'boolean'].includes(typeof v))).toBe(true)
  })
})

describe('iamResult and simpleResult', () => {
  const resource = `${PREFIX}:abc/prod/*/*`

  it('builds an Allow policy with principal and context', () => {
    expect(iamResult('u1', 'Allow', resource, { securityContext: '{}' })).toEqual({
      principalId: 'u1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }] },
      context: { securityContext: '{}' },
    })
  })

  it('builds a Deny policy without a context member when none is given', () => {
    const result = iamResult('u1', 'Deny', resource)
    expect(result).toEqual({
      principalId: 'u1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }] },
    })
    expect(Object.hasOwn(result, 'context')).toBe(false)
  })

  it('builds simple responses with and without context', () => {
    expect(simpleResult(true, { securityContext: '{}' })).toEqual({ isAuthorized: true, context: { securityContext: '{}' } })
    expect(simpleResult(false)).toEqual({ isAuthorized: false })
  })
})

describe('the 8 KB result limit', () => {
  const resource = `${PREFIX}:abc/prod/*/*`
  const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

  /** A context whose IAM result serializes to exactly `size` bytes. */
  function contextOfSize(size: number, fill = 'a'): { securityContext: string } {
    const base = bytesOf(iamResult('u1', 'Allow', resource, { securityContext: '' }))
    return { securityContext: fill.repeat(size - base) }
  }

  it('accepts a result of exactly 8192 bytes', () => {
    const context = contextOfSize(MAX_RESULT_BYTES)
    const result = iamResult('u1', 'Allow', resource, context)
    expect(bytesOf(result)).toBe(8192)
  })

  it('refuses a result of 8193 bytes with context_too_large instead of trimming it', () => {
    const context = contextOfSize(MAX_RESULT_BYTES + 1)
    expect(codeOfThrow(() => iamResult('u1', 'Allow', resource, context))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })

  it('counts UTF-8 bytes, not characters', () => {
    // The name appears twice (own key and inside the JSON): about 3000 characters, but about 9000 UTF-8 bytes.
    const context = buildContext({ name: '€'.repeat(1500) })
    expect(JSON.stringify(context).length).toBeLessThan(MAX_RESULT_BYTES - 500)
    expect(codeOfThrow(() => iamResult('u1', 'Allow', resource, context))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    expect(codeOfThrow(() => simpleResult(true, context))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })

  it('counts exactly when the quick bound cannot settle it: a result just under the limit with escapes is accepted', () => {
    // Quotes double in the JSON and a context of this length is far over the bound's reach (6 bytes per character).
    const fill = '"'.repeat(Math.floor((MAX_RESULT_BYTES - bytesOf(iamResult('u1', 'Allow', resource, { securityContext: '' }))) / 2))
    const result = iamResult('u1', 'Allow', resource, { securityContext: fill })
    expect(bytesOf(result)).toBeLessThanOrEqual(MAX_RESULT_BYTES)
    expect(codeOfThrow(() => iamResult('u1', 'Allow', resource, { securityContext: `${fill}""` }))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })

  it('refuses an oversized result whichever part makes it oversized: principal, resource, context key or value', () => {
    const big = 'x'.repeat(MAX_RESULT_BYTES)
    expect(codeOfThrow(() => iamResult(big, 'Deny', resource))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    expect(codeOfThrow(() => iamResult('u1', 'Deny', `${resource}${big}`))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    expect(codeOfThrow(() => iamResult('u1', 'Allow', resource, { [big]: 1 }))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    expect(codeOfThrow(() => iamResult('u1', 'Allow', resource, { securityContext: '{}', other: big }))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    const half = 'é'.repeat(MAX_RESULT_BYTES / 4)
    expect(codeOfThrow(() => iamResult(half, 'Allow', `${resource}${half}`, { securityContext: '{}' }))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })

  it('applies to simple responses too', () => {
    expect(codeOfThrow(() => simpleResult(true, { securityContext: 'x'.repeat(MAX_RESULT_BYTES) }))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })
})

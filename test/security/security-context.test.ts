// Attack family: the security context (namespace shapes, prototype pollution at every level, claims named like builtins).
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { Settings } from '../../lib/settings/env.js'
import type { SecurityContext } from '../../lib/security-context.js'
import { expectAllow, expectUnauthorized, harness, LogAudit, NOW_S, SECRET, securityContextOf } from '../support/security-harness.js'
import { forge, hmac } from '../support/security-tokens.js'
import { restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(30))

const NS = 'https://cube.dev/'
const FORBIDDEN = ['__proto__', 'constructor', 'prototype']
const PROBES = ['polluted', 'admin', 'isAdmin', 'tenant', 'role', 'sub', 'exp']
const sign = hmac('HS256', SECRET)
/** The payload is raw JSON text: only JSON.parse turns "__proto__" into an own member, as a real token's would be. */
const event = (payloadJson: string) => restTokenEvent(`Bearer ${audit.forbidToken(forge({ alg: 'HS256' }, payloadJson, sign))}`)
const EXP = `"exp":${NOW_S + 3600}`

const builtinNames = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort())

/** No builtin prototype gained a member, and no object reads an attacker's value through its prototype chain. */
function expectNoPollution(): void {
  expect([Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort())).toEqual(builtinNames)
  for (const probe of PROBES) {
    expect(({} as Record<string, unknown>)[probe]).toBeUndefined()
    expect(([] as unknown as Record<string, unknown>)[probe]).toBeUndefined()
    expect(Object.create(Object.prototype)[probe]).toBeUndefined()
  }
}
afterEach(expectNoPollution)

/** Every key at every depth of the serialized context, as a consumer parsing it would see them. */
function allKeys(json: string): string[] {
  const keys: string[] = []
  JSON.parse(json, function (key) {
    if (key !== '' && !Array.isArray(this)) keys.push(key)
    return (this as Record<string, unknown>)[key]
  })
  return keys
}

/** Runs a pollution payload end to end and returns what checkAuth saw, after the context checks. */
async function runClean(payloadJson: string, settings: Settings = {}) {
  const seen: SecurityContext[] = []
  const h = harness(audit, { CUBEJS_API_SECRET: SECRET, ...settings }, { checkAuth: ({ securityContext }) => void seen.push(securityContext) })
  const result = await expectAllow(h, event(payloadJson))
  const context = result.context as Record<string, unknown>
  for (const key of FORBIDDEN) expect(Object.hasOwn(context, key)).toBe(false)
  expect(allKeys(String(context.securityContext)).filter((key) => FORBIDDEN.includes(key))).toEqual([])
  const [given] = seen
  if (given === undefined) throw new Error('checkAuth was not called')
  expect(Object.getPrototypeOf(given)).toBe(Object.prototype)
  for (const probe of ['polluted', 'admin', 'isAdmin']) expect((given as Record<string, unknown>)[probe]).toBeUndefined()
  expectNoPollution()
  return { given, context: securityContextOf(result) }
}

const POLLUTER = '{"__proto__":{"polluted":"yes","admin":true},"constructor":{"prototype":{"polluted":"ctor","isAdmin":true}},"prototype":{"polluted":"proto"}}'
const withPolluter = (json: string) => json.replace('"@"', POLLUTER)

describe('prototype pollution through claims', () => {
  it.each([
    ['the payload’s top level', `{"sub":"ctx-suite-user",${EXP},${POLLUTER.slice(1, -1)}}`, {}, { sub: 'ctx-suite-user', exp: NOW_S + 3600 }],
    ['a nested claim', withPolluter(`{${EXP},"org":{"id":1,"meta":"@"}}`), {}, { exp: NOW_S + 3600, org: { id: 1, meta: {} } }],
    ['objects inside an array claim', withPolluter(`{${EXP},"teams":["@",{"name":"t"}]}`), {}, { exp: NOW_S + 3600, teams: [{}, { name: 't' }] }],
    ['the legacy u object', `{${EXP},"u":{"name":"n",${POLLUTER.slice(1, -1)}}}`, {}, { exp: NOW_S + 3600, name: 'n' }],
    ['a polluter inside u', withPolluter(`{${EXP},"u":{"deep":"@"}}`), {}, { exp: NOW_S + 3600, deep: {} }],
    ['the namespace object', `{${EXP},"${NS}":{"tenant":"t",${POLLUTER.slice(1, -1)}}}`, { CUBEJS_JWT_CLAIMS_NAMESPACE: NS }, { tenant: 't' }],
    ['a JSON-string namespace', `{${EXP},"${NS}":${JSON.stringify(`{"tenant":"t",${POLLUTER.slice(1, -1)}}`)}}`, { CUBEJS_JWT_CLAIMS_NAMESPACE: NS }, { tenant: 't' }],
    ['60 levels deep', `{${EXP},"d":${'{"x":'.repeat(60)}${POLLUTER}${'}'.repeat(60)}}`, {}, { exp: NOW_S + 3600, d: JSON.parse(`${'{"x":'.repeat(60)}{}${'}'.repeat(60)}`) }],
  ] as const)('drops __proto__, constructor and prototype keys in %s, pollutes nothing, keeps the rest', async (_where, payload, settings, expected) => {
    const { context } = await runClean(payload, settings)
    expect(context).toEqual(expected)
  })

  it('never takes sub, exp or aud from a __proto__ member', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_AUDIENCE: 'ctx-suite-audience', AUTHORIZER_REQUIRE_EXP: 'true' })
    await expectUnauthorized(h, event(`{"aud":"ctx-suite-audience","__proto__":{"exp":${NOW_S + 3600}}}`), 'exp_required')
    await expectUnauthorized(h, event(`{${EXP},"__proto__":{"aud":"ctx-suite-audience"}}`), 'audience_mismatch')
    const result = await expectAllow(h, event(`{${EXP},"aud":"ctx-suite-audience","__proto__":{"sub":"admin"}}`))
    expect(result.principalId).toBe('cube-user')
  })
})

describe('namespace shapes', () => {
  it.each([
    ['missing', `{${EXP},"tenant":"outside"}`],
    ['null', `{${EXP},"${NS}":null}`],
    ['an array', `{${EXP},"${NS}":[{"tenant":"t"}]}`],
    ['a plain string', `{${EXP},"${NS}":"tenant"}`],
    ['a non-JSON string', `{${EXP},"${NS}":"{tenant: t"}`],
    ['a JSON string of an array', `{${EXP},"${NS}":"[{\\"tenant\\":\\"t\\"}]"}`],
    ['a JSON string of null', `{${EXP},"${NS}":"null"}`],
    ['a number', `{${EXP},"${NS}":7}`],
    ['true', `{${EXP},"${NS}":true}`],
    ['an empty string', `{${EXP},"${NS}":""}`],
  ])('gives an empty security context when the namespace claim is %s', async (_what, payload) => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: NS })
    const result = await expectAllow(h, event(payload))
    expect(result.context).toStrictEqual({ securityContext: '{}' })
  })

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype'])(
    'reads nothing inherited when the namespace is named %s and the token lacks it', async (ns) => {
      const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: ns })
      const result = await expectAllow(h, event(`{${EXP},"tenant":"outside"}`))
      expect(result.context).toStrictEqual({ securityContext: '{}' })
    },
  )

  it('reads a namespace named like a builtin only from the token’s own member', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'hasOwnProperty' })
    const result = await expectAllow(h, event(`{${EXP},"hasOwnProperty":{"tenant":"ctx-suite-tenant"}}`))
    expect(securityContextOf(result)).toEqual({ tenant: 'ctx-suite-tenant' })
  })
})

describe('claims named like Object.prototype members', () => {
  const names = '"toString":"ctx-a","hasOwnProperty":"ctx-b","valueOf":{"v":1},"toJSON":"ctx-c","isPrototypeOf":2,"__defineGetter__":"ctx-d","propertyIsEnumerable":false'

  it('carries them as plain data without breaking verification, the principal or the context', async () => {
    const { given, context } = await runClean(`{"sub":"ctx-suite-user",${EXP},${names}}`)
    const expected = { sub: 'ctx-suite-user', exp: NOW_S + 3600, toString: 'ctx-a', hasOwnProperty: 'ctx-b', valueOf: { v: 1 }, toJSON: 'ctx-c', isPrototypeOf: 2, __defineGetter__: 'ctx-d', propertyIsEnumerable: false }
    expect(context).toEqual(expected)
    expect({ ...given }).toEqual(expected)
  })

  it('puts them in the flat context as values, never calling them', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET })
    const result = await expectAllow(h, event(`{"sub":"ctx-suite-user",${EXP},${names}}`))
    expect(result.principalId).toBe('ctx-suite-user')
    expect(result.context).toMatchObject({ toString: 'ctx-a', hasOwnProperty: 'ctx-b', toJSON: 'ctx-c', isPrototypeOf: 2, propertyIsEnumerable: false })
  })

  it('merges a legacy u holding them without breaking', async () => {
    const { context } = await runClean(`{${EXP},"u":{${names}}}`)
    expect(context).toMatchObject({ toString: 'ctx-a', hasOwnProperty: 'ctx-b', toJSON: 'ctx-c' })
  })
})

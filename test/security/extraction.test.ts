// Attack family: credential extraction (schemes, whitespace, several headers, empty values, other schemes, wrong places).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAllow, expectUnauthorized, harness, LogAudit, NOW_S, OTHER_SECRET, SECRET, securityContextOf, type Harness } from '../support/security-harness.js'
import { forge, hmac } from '../support/security-tokens.js'
import { httpApiEvent, restRequestEvent, restTokenEvent, websocketConnectEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(50))

const claims = { sub: 'extract-suite-user', tenant: 'extract-suite-tenant', iat: NOW_S - 10, exp: NOW_S + 3600 }
audit.forbid(claims.sub, claims.tenant)
let h: Harness
let dev: Harness
let token: string
let intruder: string
beforeAll(() => {
  h = harness(audit, { CUBEJS_API_SECRET: SECRET })
  dev = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: 'true' })
  token = audit.forbidToken(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET)))
  intruder = audit.forbidToken(forge({ alg: 'HS256' }, { ...claims, sub: 'extract-suite-intruder' }, hmac('HS256', OTHER_SECRET)))
})

/** The same credential in every event type that carries one. */
const everywhere = (credential: string) => [
  restTokenEvent(credential),
  restRequestEvent({ Authorization: credential }),
  websocketConnectEvent({ Authorization: credential }),
  httpApiEvent({ authorization: credential }),
]

describe('scheme variants and whitespace', () => {
  it.each([
    ['Bearer <jwt>', (t: string) => `Bearer ${t}`],
    ['bearer <jwt>', (t: string) => `bearer ${t}`],
    ['BEARER <jwt>', (t: string) => `BEARER ${t}`],
    ['Bearer with two spaces', (t: string) => `Bearer  ${t}`],
    ['Bearer with a tab', (t: string) => `Bearer\t${t}`],
    ['surrounding spaces', (t: string) => `  Bearer ${t}  `],
    ['a bare <jwt>', (t: string) => t],
    ['a bare <jwt> with a trailing newline', (t: string) => `${t}\n`],
  ])('accepts %s in every event type', async (_what, format) => {
    for (const e of everywhere(format(token))) await expectAllow(h, e)
  })

  it.each([
    ['Bearer alone', () => 'Bearer'],
    ['Bearer and a space', () => 'Bearer '],
    ['Bearer with a newline before the token', () => `Bearer\n${token}`],
    ['Bearer followed by two tokens', () => `Bearer ${token} ${token}`],
    ['Bearer Bearer <jwt>', () => `Bearer Bearer ${token}`],
    ['a quoted token', () => `Bearer "${token}"`],
    ['Bearer: <jwt>', () => `Bearer: ${token}`],
    ['Bearer=<jwt>', () => `Bearer=${token}`],
    ['a comma-joined repeat, as HTTP APIs join duplicate headers', () => `Bearer ${token},Bearer ${intruder}`],
    ['a token followed by a comma', () => `Bearer ${token},`],
    ['a non-breaking space after Bearer', () => `Bearer\u00a0${token}`],
  ])('rejects %s as malformed in every event type', async (_what, credential) => {
    for (const e of everywhere(credential())) await expectUnauthorized(h, e, 'token_malformed')
  })
})

describe('other schemes', () => {
  it.each([
    ['Basic', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['Basic carrying the JWT', () => `Basic ${token}`],
    ['Digest', () => 'Digest username="admin", realm="cube"'],
    ['Token', () => `Token ${token}`],
    ['JWT', () => `JWT ${token}`],
    ['AWS4-HMAC-SHA256', () => 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, Signature=abc'],
  ])('rejects the %s scheme as malformed, never verifying what follows it', async (_what, credential) => {
    for (const e of everywhere(credential())) await expectUnauthorized(h, e, 'token_malformed')
  })

  it('rejects a bare Basic credential (no space) as a malformed token', async () => {
    await expectUnauthorized(h, restTokenEvent(Buffer.from('admin:admin').toString('base64')), 'token_malformed')
  })
})

describe('several Authorization headers', () => {
  const multi = (values: string[], name = 'Authorization') => {
    const e = restRequestEvent()
    return { ...e, headers: { ...e.headers, [name]: values.at(-1) ?? '' }, multiValueHeaders: { ...e.multiValueHeaders, [name]: values } }
  }

  it('rejects two different values in multiValueHeaders, in either order', async () => {
    await expectUnauthorized(h, multi([`Bearer ${token}`, `Bearer ${intruder}`]), 'token_malformed')
    await expectUnauthorized(h, multi([`Bearer ${intruder}`, `Bearer ${token}`]), 'token_malformed')
  })

  it('rejects a valid value next to an empty one', async () => {
    await expectUnauthorized(h, multi(['', `Bearer ${token}`]), 'token_malformed')
  })

  it('rejects values spread over differently cased header names', async () => {
    const e = restRequestEvent()
    const event = { ...e, multiValueHeaders: { ...e.multiValueHeaders, Authorization: [`Bearer ${token}`], authorization: [`Bearer ${intruder}`] } }
    await expectUnauthorized(h, event, 'token_malformed')
  })

  it('accepts the very same value sent twice', async () => {
    await expectAllow(h, multi([`Bearer ${token}`, `Bearer ${token}`]))
  })

  it('refuses a headers map and multiValueHeaders that disagree, whichever holds the good token', async () => {
    const e = restRequestEvent()
    await expectUnauthorized(h, { ...e, headers: { ...e.headers, Authorization: `Bearer ${token}` }, multiValueHeaders: { ...e.multiValueHeaders, Authorization: [`Bearer ${intruder}`] } }, 'token_malformed')
    await expectUnauthorized(h, { ...e, headers: { ...e.headers, Authorization: `Bearer ${intruder}` }, multiValueHeaders: { ...e.multiValueHeaders, Authorization: [`Bearer ${token}`] } }, 'token_malformed')
  })

  it('never falls back to Authorization when a present X-Cube-Authorization is bad', async () => {
    await expectUnauthorized(h, restRequestEvent({ Authorization: 'garbage', 'X-Cube-Authorization': 'garbage' }), 'token_malformed')
    await expectUnauthorized(h, httpApiEvent({ 'x-cube-authorization': `Bearer ${intruder}` }), 'signature_invalid')
  })
})

describe('X-Cube-Authorization next to Authorization (result caching keys on the identity source)', () => {
  it.each([
    ['a constant placeholder', 'Bearer undefined'],
    ['Basic credentials of a proxy', 'Basic dXNlcjpwYXNz'],
    ['another valid token', 'INTRUDER'],
    ['garbage', 'garbage'],
  ])('refuses a valid X-Cube-Authorization next to an Authorization holding %s (credentials_ambiguous)', async (_what, value) => {
    const authorization = value === 'INTRUDER' ? `Bearer ${intruder}` : value
    await expectUnauthorized(h, restRequestEvent({ 'X-Cube-Authorization': `Bearer ${token}`, Authorization: authorization }), 'credentials_ambiguous')
    await expectUnauthorized(h, httpApiEvent({ 'x-cube-authorization': token, authorization }), 'credentials_ambiguous')
    await expectUnauthorized(h, websocketConnectEvent({ 'X-Cube-Authorization': token, Authorization: authorization }), 'credentials_ambiguous')
    await expectUnauthorized(dev, restRequestEvent({ 'X-Cube-Authorization': token, Authorization: authorization }), 'credentials_ambiguous')
  })

  it('refuses a valid Authorization next to a different X-Cube-Authorization', async () => {
    await expectUnauthorized(h, restRequestEvent({ 'X-Cube-Authorization': 'Bearer undefined', Authorization: `Bearer ${token}` }), 'credentials_ambiguous')
  })

  it('allows both headers when they carry the same credential, with or without Bearer', async () => {
    await expectAllow(h, restRequestEvent({ 'X-Cube-Authorization': token, Authorization: `Bearer ${token}` }))
    await expectAllow(h, httpApiEvent({ 'x-cube-authorization': `Bearer ${token}`, authorization: token }))
  })
})

describe('empty values', () => {
  it.each([
    ['an empty authorizationToken', () => restTokenEvent('')],
    ['a whitespace authorizationToken', () => restTokenEvent(' \t ')],
    ['a missing authorizationToken', () => restTokenEvent()],
    ['an empty Authorization header', () => restRequestEvent({ Authorization: '' })],
    ['a whitespace Authorization header', () => httpApiEvent({ authorization: '   ' })],
    ['blank X-Cube-Authorization and Authorization', () => restRequestEvent({ Authorization: ' ', 'X-Cube-Authorization': '' })],
    ['an authorizationToken that is a number', () => ({ ...restTokenEvent(), authorizationToken: 42 })],
    ['an authorizationToken that is an array', () => ({ ...restTokenEvent(), authorizationToken: [`Bearer ${token}`] })],
    ['an Authorization header that is an object', () => ({ ...restRequestEvent(), headers: { Authorization: { value: `Bearer ${token}` } }, multiValueHeaders: null })],
    ['headers that are a string', () => ({ ...httpApiEvent(), headers: `authorization: Bearer ${token}` })],
    ['headers that are null', () => ({ ...httpApiEvent(), headers: null })],
    ['multiValueHeaders holding a string instead of a list', () => ({ ...restRequestEvent(), headers: {}, multiValueHeaders: { Authorization: `Bearer ${token}` } })],
  ])('treats %s as no token', async (_what, e) => {
    await expectUnauthorized(h, e(), 'token_missing')
  })
})

describe('tokens in the wrong place', () => {
  const wrongPlaces = () => {
    const rest = restRequestEvent()
    const http = httpApiEvent()
    return [
      ['the query string', { ...rest, queryStringParameters: { token, access_token: token }, multiValueQueryStringParameters: { token: [token] } }],
      ['an HTTP API query string', { ...http, rawQueryString: `access_token=${token}`, queryStringParameters: { access_token: token } }],
      ['a cookie header', restRequestEvent({ Cookie: `token=${token}; access_token=${token}` })],
      ['HTTP API cookies', { ...http, cookies: [`token=${token}`] }],
      ['the path', { ...rest, path: `/whoami/${token}`, pathParameters: { token } }],
      ['the body', { ...rest, body: JSON.stringify({ token }) }],
      ['stage variables', { ...rest, stageVariables: { token } }],
      ['an X-Authorization header', restRequestEvent({ 'X-Authorization': `Bearer ${token}` })],
      ['a Proxy-Authorization header', restRequestEvent({ 'Proxy-Authorization': `Bearer ${token}` })],
      ['a header named "Authorization " with a trailing space', restRequestEvent({ 'Authorization ': `Bearer ${token}` })],
      ['the request context', { ...rest, requestContext: { ...rest.requestContext, authorizer: { token } } }],
      ['identitySource of an HTTP API event', { ...http, identitySource: [`Bearer ${token}`] }],
      ['headers of a TOKEN event', { ...restTokenEvent(), headers: { Authorization: `Bearer ${token}` } }],
      ['authorizationToken of a REQUEST event', { ...rest, authorizationToken: `Bearer ${token}` }],
    ] as const
  }

  it('knows 14 wrong places', () => {
    expect(wrongPlaces()).toHaveLength(14)
  })

  it.each(wrongPlaces().map(([where], index) => [where, index] as const))('never reads a token from %s', async (_where, index) => {
    const [, e] = wrongPlaces()[index] ?? []
    await expectUnauthorized(h, e, 'token_missing')
    // Dev mode lets the token-less request in, but with an empty context: the misplaced token's claims are never used.
    const result = await expectAllow(dev, e)
    expect(result.principalId).toBe('anonymous')
    expect(securityContextOf(result)).toEqual({})
  })
})

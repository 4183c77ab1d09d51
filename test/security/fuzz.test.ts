// Seeded fuzzing of tokens and events: 20 000 mutations, no Allow but the untouched token, only the documented errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { harness, LogAudit, NOW_S, OTHER_SECRET, SECRET, summary, type Harness, type Outcome } from '../support/security-harness.js'
import { asymmetric, forge, hmac, pair, Random, type Pair, type Signer } from '../support/security-tokens.js'
import { httpApiEvent, restRequestEvent, restTokenEvent, websocketConnectEvent } from '../support/tokens.js'

const SEED = 0x5ec0de
const CASES = 20_000
/** Every reason a token (or its absence) may be refused with; anything else, internal_error above all, is a bug. */
const TOKEN_REASONS = new Set([
  'token_missing', 'token_malformed', 'credentials_ambiguous', 'alg_not_allowed', 'key_not_found', 'signature_invalid', 'token_expired',
  'token_not_yet_valid', 'claim_invalid', 'payload_invalid', 'audience_mismatch', 'issuer_mismatch', 'subject_mismatch',
])
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Characters a mutation inserts: the base64url alphabet and the separators and near-misses around it (no whitespace). */
const NOISE = `${ALPHABET}.=+/%*"{}\\é\u0000\u200b\uffff`

const audit = new LogAudit()
afterAll(() => audit.expectClean(CASES))

interface Target {
  readonly name: string
  readonly h: Harness
  /** Genuine tokens this target accepts; any other token must be refused. */
  readonly valid: readonly string[]
  readonly attackers: ReadonlyArray<readonly [string, Signer | undefined]>
}

let targets: Target[] = []
let attackerEc: Pair

beforeAll(async () => {
  const [ec, rsa, ed] = await Promise.all([pair('ES256'), pair('RS256'), pair('Ed25519')])
  attackerEc = await pair('ES256')
  audit.forbid(rsa.pem, rsa.jwk.n, ec.jwk.x, ec.jwk.y, ed.jwk.x)
  const claims = (sub: string) => ({ sub, tenant: `${sub}-tenant`, role: 'fuzz-suite-role', iat: NOW_S - 60, exp: NOW_S + 3600 })
  audit.forbid('fuzz-suite-role')
  const attackers = [
    ['HS256 with another secret', hmac('HS256', OTHER_SECRET)],
    ['HS256 keyed with the RSA PEM', hmac('HS256', rsa.pem)],
    ['ES256 with the attacker key', asymmetric('ES256', attackerEc.privateKey)],
    ['none', undefined],
    ['zero bytes', () => Buffer.alloc(64)],
  ] as const
  const keySet = JSON.stringify({ keys: [{ ...ec.jwk, kid: 'ec-1' }, { ...rsa.jwk, kid: 'rsa-1' }, { ...ed.jwk, kid: 'ed-1' }] })
  targets = [
    {
      name: 'secret',
      h: harness(audit, { CUBEJS_API_SECRET: SECRET }),
      valid: [
        forge({ alg: 'HS256', typ: 'JWT' }, claims('fuzz-suite-alice'), hmac('HS256', SECRET)),
        forge({ alg: 'HS512', kid: 'k1' }, claims('fuzz-suite-bob'), hmac('HS512', SECRET)),
      ],
      attackers,
    },
    {
      name: 'key set',
      h: harness(audit, { CUBEJS_JWT_KEY: keySet }),
      valid: [
        forge({ alg: 'ES256', kid: 'ec-1' }, claims('fuzz-suite-carol'), asymmetric('ES256', ec.privateKey)),
        forge({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' }, claims('fuzz-suite-dave'), asymmetric('RS256', rsa.privateKey)),
        forge({ alg: 'EdDSA', kid: 'ed-1' }, claims('fuzz-suite-erin'), asymmetric('EdDSA', ed.privateKey)),
      ],
      attackers,
    },
  ]
  for (const target of targets) for (const token of target.valid) audit.forbidToken(token)
})

// ---- token mutations ----

const decode = (segment: string) => Buffer.from(segment, 'base64url')
const encode = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url')

function randomValue(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 8 : 11)) {
    case 0: return rng.string(rng.int(12), NOISE)
    case 1: return rng.pick([0, -1, 1, NOW_S, NOW_S - 1, NOW_S + 1, 2 ** 53, 1e308, -1e308, 0.5])
    case 2: return null
    case 3: return rng.chance(0.5)
    case 4: return rng.pick(['none', 'HS256', 'RS256', 'ES256', 'EdDSA', 'ec-1', 'rsa-1', 'k1', 'JWT', 'DEF', 'A256GCM', '__proto__'])
    case 5: return String(NOW_S + rng.int(7200) - 3600)
    case 6: return ''
    case 7: return 'x'.repeat(rng.int(3000))
    case 8: return [randomValue(rng, depth + 1), randomValue(rng, depth + 1)]
    case 9: return { [rng.pick(['a', '__proto__', 'constructor', 'exp'])]: randomValue(rng, depth + 1) }
    default: return JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`)
  }
}

const KEYS = ['alg', 'kid', 'typ', 'cty', 'crit', 'b64', 'zip', 'enc', 'jku', 'x5u', 'jwk', 'x5c', 'exp', 'nbf', 'iat', 'sub', 'aud', 'iss', 'jti', 'u', 'prototype', 'constructor']

/** A JSON mutation of one header or payload object, returned as JSON text (so it may hold duplicate or __proto__ members). */
function mutateJson(text: string, rng: Random): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return rng.string(rng.int(20), NOISE)
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {}
  const keys = Object.keys(object)
  switch (rng.int(7)) {
    case 0: object[rng.pick(KEYS)] = randomValue(rng); break
    case 1: if (keys.length > 0) delete object[rng.pick(keys)]; break
    case 2: if (keys.length > 0) object[rng.pick(keys)] = randomValue(rng); break
    case 3: return `${JSON.stringify(object).slice(0, -1)},${JSON.stringify(rng.pick([...KEYS, '__proto__']))}:${JSON.stringify(randomValue(rng))}}`
    case 4: return JSON.stringify(rng.pick([[object], 'object', 42, null, true, [], '']))
    case 5: return JSON.stringify(object, null, rng.int(3))
    default: return `{"__proto__":${JSON.stringify({ [rng.pick(KEYS)]: randomValue(rng) })},${JSON.stringify(object).slice(1)}`
  }
  return JSON.stringify(object)
}

function flipCharBit(token: string, rng: Random): string {
  if (token === '') return 'A'
  const at = rng.int(token.length)
  return `${token.slice(0, at)}${String.fromCharCode(token.charCodeAt(at) ^ (1 << rng.int(7)))}${token.slice(at + 1)}`
}

function flipByteBit(token: string, rng: Random): string {
  const parts = token.split('.')
  const index = rng.int(parts.length)
  const bytes = decode(parts[index] ?? '')
  if (bytes.length === 0) return flipCharBit(token, rng)
  const at = rng.int(bytes.length)
  bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8))
  parts[index] = encode(bytes)
  return parts.join('.')
}

function segmentOp(token: string, rng: Random, donor: string): string {
  const parts = token.split('.')
  const other = donor.split('.')
  const [i, j] = [rng.int(parts.length), rng.int(parts.length)]
  switch (rng.int(7)) {
    case 0: [parts[i], parts[j]] = [parts[j] ?? '', parts[i] ?? '']; break
    case 1: parts.splice(i, 0, parts[i] ?? ''); break
    case 2: parts.splice(i, 1); break
    case 3: parts.push(rng.string(rng.int(40), ALPHABET)); break
    case 4: parts.reverse(); break
    case 5: parts[i] = other[i] ?? ''; break
    default: parts[i] = ''
  }
  return parts.join('.')
}

function editChars(token: string, rng: Random): string {
  const at = rng.int(token.length + 1)
  switch (rng.int(5)) {
    case 0: return token.slice(0, at)
    case 1: return `${token}${rng.string(1 + rng.int(10), NOISE)}`
    case 2: return `${token.slice(0, at)}${rng.string(1, NOISE)}${token.slice(at)}`
    case 3: return `${token.slice(0, at)}${token.slice(at + 1)}`
    default: return `${token.slice(0, at)}${rng.string(1, NOISE)}${token.slice(at + 1)}`
  }
}

function jsonEdit(token: string, rng: Random, resign: Signer | undefined, resigned: boolean): string {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const headerText = decode(header).toString('utf8')
  const payloadText = decode(payload).toString('utf8')
  const [h, p] = rng.chance(0.5) ? [mutateJson(headerText, rng), payloadText] : [headerText, mutateJson(payloadText, rng)]
  if (!resigned) return `${encode(h)}.${encode(p)}.${signature}`
  return forge(h, p, resign)
}

/** One mutated token and what it was made by. */
function mutateToken(base: string, target: Target, rng: Random, donor: string): [string, string] {
  const rounds = 1 + (rng.chance(0.25) ? rng.int(4) : 0)
  let token = base
  const made: string[] = []
  for (let round = 0; round < rounds; round++) {
    const kind = rng.int(7)
    if (kind === 0) (token = flipCharBit(token, rng)), made.push('char bit flip')
    else if (kind === 1) (token = flipByteBit(token, rng)), made.push('byte bit flip')
    else if (kind === 2) (token = segmentOp(token, rng, donor)), made.push('segment operation')
    else if (kind === 3) (token = editChars(token, rng)), made.push('character edit')
    else if (kind === 4) (token = jsonEdit(token, rng, undefined, false)), made.push('JSON edit, not re-signed')
    else {
      const [name, signer] = rng.pick(target.attackers)
      token = jsonEdit(token, rng, signer, true)
      made.push(`JSON edit re-signed: ${name}`)
    }
  }
  return [token, made.join(' + ')]
}

// ---- event mutations ----

type AnyEvent = Record<string, unknown>
type EventKind = 'token' | 'request' | 'websocket' | 'http'
const KINDS: readonly EventKind[] = ['token', 'request', 'websocket', 'http']

function eventFor(kind: EventKind, credential: string): AnyEvent {
  if (kind === 'token') return restTokenEvent(credential)
  if (kind === 'request') return restRequestEvent({ Authorization: credential })
  if (kind === 'websocket') return websocketConnectEvent({ Authorization: credential })
  return httpApiEvent({ authorization: credential })
}

const withoutHeader = (record: unknown, name: string): AnyEvent =>
  Object.fromEntries(Object.entries((record ?? {}) as AnyEvent).filter(([key]) => key.toLowerCase() !== name))

const renameHeader = (record: unknown, to: string): AnyEvent =>
  Object.fromEntries(Object.entries((record ?? {}) as AnyEvent).map(([key, value]) => [key.toLowerCase() === 'authorization' ? to : key, value]))

/** Breaks what the authorizer needs to recognise the event: always 'Authorizer error: event_unknown'. */
function breakShape(event: AnyEvent, kind: EventKind, rng: Random): unknown {
  const arnField = kind === 'http' ? 'routeArn' : 'methodArn'
  switch (rng.int(kind === 'http' ? 4 : 5)) {
    case 0: return rng.pick([null, undefined, 0, 'event', [], [event], true])
    case 1: return withoutHeader(event, arnField.toLowerCase())
    case 2: return { ...event, [arnField]: rng.pick([42, null, {}, [], true]) }
    case 3: return kind === 'http' ? { ...event, version: rng.pick(['1.0', 2, null, '2']) } : { ...event, type: rng.pick(['token', 'request', '', null, 'TOKEN ', 'AUTH', 42]) }
    default: return { ...event, type: rng.pick(['token', 'Request', undefined]) }
  }
}

/** Valid token, but an ARN no policy can be built for: always 'Authorizer error: event_unknown'. */
function breakArn(event: AnyEvent, kind: EventKind, rng: Random): AnyEvent {
  const arn = rng.pick(['', 'garbage', 'arn:aws:s3:::bucket/key', 'arn:aws:execute-api:us-east-1:123:api', 'arn:aws:execute-api:us-east-1:123:api/', 'arn:aws:execute-api:us-east-1:123:api/stage', 'arn:aws:lambda:us-east-1:123:function:x/y/z', ':::::'])
  return { ...event, [kind === 'http' ? 'routeArn' : 'methodArn']: arn }
}

/** Takes the credential away or spoils it: always 'Unauthorized'. */
function breakCredential(event: AnyEvent, kind: EventKind, rng: Random): AnyEvent {
  if (kind === 'token') {
    switch (rng.int(4)) {
      case 0: return withoutHeader(event, 'authorizationtoken')
      case 1: return { ...event, authorizationToken: rng.pick([42, null, {}, [String(event.authorizationToken)], '', '   ', 'Basic YWRtaW46YWRtaW4='] as unknown[]) }
      case 2: return { ...event, type: 'REQUEST' }
      default: return { ...event, authorizationToken: `Bearer ${rng.string(1 + rng.int(60), NOISE)}` }
    }
  }
  const credential = String((event.headers as AnyEvent | undefined)?.[kind === 'http' ? 'authorization' : 'Authorization'])
  switch (rng.int(5)) {
    case 0: return { ...event, headers: withoutHeader(event.headers, 'authorization'), ...(kind === 'http' ? {} : { multiValueHeaders: withoutHeader(event.multiValueHeaders, 'authorization') }) }
    case 1: {
      const name = rng.pick(['Authorisation', 'X-Authorization', 'Authorization ', 'Proxy-Authorization', 'Auth'])
      return { ...event, headers: renameHeader(event.headers, name), ...(kind === 'http' ? {} : { multiValueHeaders: renameHeader(event.multiValueHeaders, name) }) }
    }
    case 2: return { ...event, headers: rng.pick([null, 'headers', []] as unknown[]), ...(kind === 'http' ? {} : { multiValueHeaders: null }) }
    case 3: return kind === 'http'
      ? { ...event, headers: { ...(event.headers as AnyEvent), 'x-cube-authorization': `Bearer ${rng.string(1 + rng.int(40), ALPHABET)}` } }
      : { ...event, multiValueHeaders: { ...(event.multiValueHeaders as AnyEvent), Authorization: [credential, `${credential}x`] } }
    default: return kind === 'http' ? { ...event, headers: withoutHeader(event.headers, 'authorization'), queryStringParameters: { token: credential } } : { ...event, type: 'TOKEN' }
  }
}

/** Changes nothing the authorizer reads: the result must equal the untouched event's Allow. */
function touchIrrelevant(event: AnyEvent, kind: EventKind, rng: Random): AnyEvent {
  switch (rng.int(5)) {
    case 0: return { ...event, [`x-fuzz-${rng.int(100)}`]: randomValue(rng) }
    case 1: {
      const { requestContext: _dropped, ...rest } = event
      return rest
    }
    case 2: return { ...event, headers: { ...(event.headers as AnyEvent), [`x-fuzz-${rng.int(100)}`]: rng.string(rng.int(30), NOISE) } }
    case 3: {
      const rest = JSON.stringify(event.headers ?? {}).slice(1)
      return { ...event, headers: JSON.parse(`{"__proto__":{"Authorization":"Bearer forged"}${rest === '}' ? '' : ','}${rest}`) }
    }
    default: {
      if (kind === 'token' || kind === 'http') return { ...event, stageVariables: { authorization: 'Bearer forged' } }
      const name = rng.pick(['AUTHORIZATION', 'authorization', 'aUtHoRiZaTiOn'])
      return { ...event, headers: renameHeader(event.headers, name), multiValueHeaders: renameHeader(event.multiValueHeaders, name) }
    }
  }
}

// ---- the run ----

interface Failure {
  readonly index: number
  readonly made: string
  readonly expected: string
  readonly got: string
}

function describeOutcome(outcome: Outcome, decision: Record<string, unknown> | undefined): string {
  return outcome.kind === 'thrown' ? `${summary(outcome)} (${String(decision?.reason)})` : summary(outcome)
}

describe('fuzzing', () => {
  it(`refuses ${CASES} seeded mutations of tokens and events exactly as documented`, { timeout: 60_000 }, async () => {
    const rng = new Random(SEED)
    const failures: Failure[] = []
    const counts = new Map<string, number>()
    const baselines = new Map<string, unknown>()
    for (const target of targets) {
      for (const token of target.valid) {
        for (const kind of KINDS) {
          const { outcome } = await target.h.run(eventFor(kind, `Bearer ${token}`))
          expect(summary(outcome)).toBe('allow')
          baselines.set(`${kind} ${token}`, outcome.kind === 'result' ? outcome.result : undefined)
        }
      }
    }

    for (let index = 0; index < CASES; index++) {
      const target = rng.pick(targets)
      const base = rng.pick(target.valid)
      const kind = rng.pick(KINDS)
      const linesBefore = audit.lines.length
      let event: unknown
      let expected: string
      let made: string
      let token = base
      if (rng.chance(0.8)) {
        ;[token, made] = mutateToken(base, target, rng, rng.pick(targets.flatMap((t) => t.valid)))
        event = eventFor(kind, rng.chance(0.8) ? `Bearer ${token}` : token)
        expected = target.valid.includes(token) ? 'allow' : 'Unauthorized'
      } else {
        const original = eventFor(kind, `Bearer ${base}`)
        const family = rng.int(4)
        if (family === 0) [event, made, expected] = [breakShape(original, kind, rng), 'event shape', 'Authorizer error: event_unknown']
        else if (family === 1) [event, made, expected] = [breakArn(original, kind, rng), 'event ARN', 'Authorizer error: event_unknown']
        else if (family === 2) [event, made, expected] = [breakCredential(original, kind, rng), 'event credential', 'Unauthorized']
        else [event, made, expected] = [touchIrrelevant(original, kind, rng), 'event, irrelevant part', 'same allow']
      }
      counts.set(made, (counts.get(made) ?? 0) + 1)

      const { outcome, decision, decisionCount } = await target.h.run(event)
      let got = describeOutcome(outcome, decision)
      if (expected === 'same allow') {
        const same = outcome.kind === 'result' && JSON.stringify(outcome.result) === JSON.stringify(baselines.get(`${kind} ${base}`))
        got = same ? 'same allow' : got
      } else if (expected === 'Unauthorized' && got.startsWith('Unauthorized') && TOKEN_REASONS.has(String(decision?.reason))) {
        got = 'Unauthorized'
      } else if (expected.startsWith('Authorizer error') && decision?.reason === 'event_unknown') {
        got = summary(outcome)
      }
      if (decisionCount !== 1) got = `${got}, ${decisionCount} decision lines`
      if (got !== expected) failures.push({ index, made, expected, got })

      // Nothing of the mutated token may reach the log lines this case wrote.
      const written = audit.lines.slice(linesBefore).join('')
      for (const part of [token, ...token.split('.')]) if (part.length >= 16 && written.includes(part)) failures.push({ index, made, expected: 'no leak', got: 'token text in a log line' })
    }

    expect(failures.slice(0, 20)).toEqual([])
    // Every mutation family really ran, in numbers.
    for (const family of ['char bit flip', 'byte bit flip', 'segment operation', 'character edit', 'JSON edit, not re-signed', 'event shape', 'event ARN', 'event credential', 'event, irrelevant part']) {
      const total = [...counts].filter(([made]) => made.includes(family)).reduce((sum, [, n]) => sum + n, 0)
      expect(total, family).toBeGreaterThan(CASES / 100)
    }
    expect([...counts.keys()].filter((made) => made.includes('re-signed:')).length).toBeGreaterThanOrEqual(5)
  })
})

// Attack family: token structure (segments, dots, padding, alphabet, UTF-8, duplicate members, non-objects, nesting, size).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectAllow, expectUnauthorized, harness, LogAudit, NOW_S, SECRET, securityContextOf, type Harness } from '../support/security-harness.js'
import { b64url, forge, hmac } from '../support/security-tokens.js'
import { restRequestEvent, restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(50))
afterEach(() => {
  vi.restoreAllMocks()
})

const claims = { sub: 'structure-suite-user', tenant: 'structure-suite-tenant', iat: NOW_S - 10, exp: NOW_S + 3600 }
audit.forbid(claims.sub, claims.tenant)
const event = (token: string) => restTokenEvent(`Bearer ${audit.forbidToken(token)}`)
const sign = hmac('HS256', SECRET)
/** A token over exactly these header and payload bytes, signed with the configured secret. */
const signedBytes = (header: string | Buffer, payload: string | Buffer) => forge(header, payload, sign)

let h: Harness
let valid: string
beforeAll(() => {
  h = harness(audit, { CUBEJS_API_SECRET: SECRET })
  valid = forge({ alg: 'HS256', typ: 'JWT' }, claims, sign)
})

describe('segments and dots', () => {
  it('accepts the untouched token', async () => {
    await expectAllow(h, event(valid))
  })

  it.each([
    ['one segment', (t: string) => t.split('.')[0] ?? ''],
    ['two segments', (t: string) => t.split('.').slice(0, 2).join('.')],
    ['four segments', (t: string) => `${t}.${t.split('.')[2] ?? ''}`],
    ['five segments', (t: string) => `${t}.AAAA.AAAA`],
    ['a trailing dot', (t: string) => `${t}.`],
    ['two trailing dots', (t: string) => `${t}..`],
    ['a leading dot', (t: string) => `.${t}`],
    ['an empty header', (t: string) => t.slice(t.indexOf('.'))],
    ['an empty payload', (t: string) => t.replace(/\.[^.]+\./, '..')],
    ['only dots', () => '...'],
    ['a single dot', () => '.'],
  ])('rejects %s as malformed', async (_what, edit) => {
    await expectUnauthorized(h, event(edit(valid)), 'token_malformed')
  })
})

describe('padding and alphabet', () => {
  const at = (t: string, segment: number, edit: (s: string) => string) =>
    t.split('.').map((s, i) => (i === segment ? edit(s) : s)).join('.')

  it.each([0, 1, 2])('rejects = padding on segment %i', async (segment) => {
    await expectUnauthorized(h, event(at(valid, segment, (s) => `${s}${'='.repeat((4 - (s.length % 4)) % 4 || 4)}`)), 'token_malformed')
  })

  it.each([
    ['+', '+'],
    ['/', '/'],
    ['%2B', '%2B'],
    ['*', '*'],
    ['an accented letter', 'é'],
    ['a full-width letter', 'Ａ'],
    ['a zero-width space', '\u200b'],
    ['NUL', '\u0000'],
    ['a backslash', '\\'],
  ])('rejects %s inside each segment as malformed', async (_what, char) => {
    for (const segment of [0, 1, 2]) await expectUnauthorized(h, event(at(valid, segment, (s) => `${s.slice(0, 4)}${char}${s.slice(4)}`)), 'token_malformed')
  })

  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  /** The same bytes spelled differently: the last character's lowest bit is one of the bits decoders ignore. */
  const twinOf = (segment: string) => {
    const twin = `${segment.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(segment.at(-1) ?? 'A') ^ 1]}`
    expect(segment.length % 4).not.toBe(0)
    expect(Buffer.from(twin, 'base64url').equals(Buffer.from(segment, 'base64url'))).toBe(true)
    return twin
  }

  it('rejects a signature whose last character differs only in its unused bits (a non-canonical twin)', async () => {
    await expectUnauthorized(h, event(at(valid, 2, twinOf)), 'token_malformed')
  })

  it('rejects a validly signed header or payload segment that is not canonical base64url', async () => {
    const header = b64url({ alg: 'HS256', x: 12 })
    const payload = b64url({ ...claims, a: 1 })
    for (const [hd, pl] of [[twinOf(header), payload], [header, twinOf(payload)]] as const) {
      const token = `${hd}.${pl}.${sign(`${hd}.${pl}`).toString('base64url')}`
      await expectUnauthorized(h, event(token), 'token_malformed')
    }
  })
})

describe('encoding of the JSON', () => {
  const json = (text: string) => Buffer.from(text, 'utf8')
  const withBytes = (prefix: string, bytes: number[], suffix: string) => Buffer.concat([json(prefix), Buffer.from(bytes), json(suffix)])

  it.each([
    ['a stray continuation byte', [0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['0xff', [0xff]],
  ])('rejects invalid UTF-8 (%s) in a validly signed header and payload', async (_what, bytes) => {
    await expectUnauthorized(h, event(signedBytes(withBytes('{"alg":"HS256","x":"', bytes, '"}'), JSON.stringify(claims))), 'token_malformed')
    await expectUnauthorized(h, event(signedBytes('{"alg":"HS256"}', withBytes('{"sub":"', bytes, '"}'))), 'token_malformed')
  })

  it('rejects a byte-order mark before a validly signed header or payload', async () => {
    await expectUnauthorized(h, event(signedBytes('\ufeff{"alg":"HS256"}', JSON.stringify(claims))), 'token_malformed')
    await expectUnauthorized(h, event(signedBytes('{"alg":"HS256"}', `\ufeff${JSON.stringify(claims)}`)), 'token_malformed')
  })
})

describe('duplicate JSON members (the lexically last one counts, as RFC 7515 section 4 allows and jose does)', () => {
  it('reads alg none from {"alg":"HS256","alg":"none"} and rejects the unsigned token', async () => {
    await expectUnauthorized(h, event(forge('{"alg":"HS256","alg":"none"}', claims)), 'alg_not_allowed')
  })

  it('reads alg HS256 from {"alg":"none","alg":"HS256"}: the signer signed those bytes', async () => {
    await expectAllow(h, event(signedBytes('{"alg":"none","alg":"HS256"}', JSON.stringify(claims))))
  })

  it('gives the backend only the last sub of a payload with two, as principal and in the context', async () => {
    const result = await expectAllow(h, event(signedBytes('{"alg":"HS256"}', '{"sub":"structure-suite-user","sub":"structure-suite-second"}')))
    expect(result.principalId).toBe('structure-suite-second')
    expect(securityContextOf(result)).toEqual({ sub: 'structure-suite-second' })
  })

  it('uses the last exp: expired when the last one is past, valid when the last one is future', async () => {
    await expectUnauthorized(h, event(signedBytes('{"alg":"HS256"}', `{"exp":${NOW_S + 3600},"exp":${NOW_S - 1}}`)), 'token_expired')
    await expectAllow(h, event(signedBytes('{"alg":"HS256"}', `{"exp":${NOW_S - 1},"exp":${NOW_S + 3600}}`)))
  })
})

describe('headers and payloads that are not JSON objects', () => {
  it.each(['[]', '["HS256"]', '"HS256"', '256', 'null', 'true', '', 'alg=HS256', '{"alg":"HS256"'])('rejects a validly signed header %j', async (header) => {
    await expectUnauthorized(h, event(signedBytes(header, JSON.stringify(claims))), 'token_malformed')
  })

  it.each(['[]', '[{"sub":"admin"}]', '"admin"', '42', 'null', 'true', 'false', '', 'undefined', '{"sub":"admin"', '{"sub":"admin"}x'])(
    'rejects a validly signed payload %j', async (payload) => {
      await expectUnauthorized(h, event(signedBytes('{"alg":"HS256"}', payload)), 'token_malformed')
    },
  )
})

describe('deep nesting and size', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

  it('rejects a validly signed payload nested 5000 levels deep as payload_invalid, without a stack overflow', async () => {
    await expectUnauthorized(h, event(signedBytes('{"alg":"HS256"}', `{"sub":"x","deep":${nested(5000)}}`)), 'payload_invalid')
  })

  it('rejects claims nested 5000 levels deep inside a claims namespace', async () => {
    const ns = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'https://cube.dev/' })
    await expectUnauthorized(ns, event(signedBytes('{"alg":"HS256"}', `{"https://cube.dev/":{"deep":${nested(5000)}}}`)), 'payload_invalid')
  })

  it('does not parse the payload of a deeply nested token whose signature fails', async () => {
    const parse = vi.spyOn(JSON, 'parse')
    const token = forge('{"alg":"HS256"}', `{"deep":${nested(5000)}}`, hmac('HS256', 'wrong'))
    await expectUnauthorized(h, event(token), 'signature_invalid')
    // Only the header is parsed before the signature check.
    expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('[[['))).toEqual([])
  })

  it.each([
    ['a 1 MB token in a TOKEN event', () => restTokenEvent(`Bearer ${valid}${'A'.repeat(1 << 20)}`)],
    ['a 1 MB token in a REQUEST header', () => restRequestEvent({ Authorization: `Bearer ${'A'.repeat(1 << 20)}.${valid}` })],
    ['a 1 MB run of dots', () => restTokenEvent('.'.repeat(1 << 20))],
    ['a validly signed token just over 16 KB', () => restTokenEvent(signedBytes('{"alg":"HS256"}', JSON.stringify({ pad: 'p'.repeat(12_300) })))],
  ])('rejects %s as malformed before parsing any JSON', async (_what, make) => {
    const e = make()
    const parse = vi.spyOn(JSON, 'parse')
    const { outcome, decision } = await h.run(e)
    const lengths = parse.mock.calls.map(([text]) => String(text).length)
    expect(outcome).toEqual({ kind: 'thrown', type: 'Error', message: 'Unauthorized' })
    expect(decision?.reason).toBe('token_malformed')
    // The harness parses its own decision line; the authorizer parses nothing of the token.
    expect(lengths.every((length) => length < 1000)).toBe(true)
  })
})

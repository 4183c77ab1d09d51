// Mirrors lib/jwt/jws.ts: strict compact-JWS decoding, and signature checks against tokens that jose signed.
import { createSecretKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto'
import { SignJWT, generateKeyPair, generateSecret } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeOf, ErrorCode } from '../../../lib/errors.js'
import { decodeJws, MAX_TOKEN_LENGTH, verifySignature } from '../../../lib/jwt/jws.js'

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const tokenWith = (header: unknown, payload: unknown = { sub: 'u' }, signature = 'c2lnbmF0dXJl'): string =>
  `${b64(header)}.${b64(payload)}.${signature}`
const HEADER = b64({ alg: 'HS256' })

/** The error code decodeJws throws, or undefined when it decodes; a crash shows up as internal_error. */
function decodeCode(token: string): string | undefined {
  try {
    decodeJws(token)
    return undefined
  } catch (error) {
    return codeOf(error)
  }
}

/** Splits a compact token into what verifySignature takes. */
function parts(token: string): { data: string; signature: Buffer } {
  const dot = token.lastIndexOf('.')
  return { data: token.slice(0, dot), signature: Buffer.from(token.slice(dot + 1), 'base64url') }
}

/** The signing input with its last character replaced by another base64url character. */
const otherInput = (data: string): string => `${data.slice(0, -1)}${data.endsWith('A') ? 'B' : 'A'}`

const flipped = (bytes: Buffer, index: number): Buffer => {
  const copy = Buffer.from(bytes)
  copy[index] = (copy[index] ?? 0) ^ 0x01
  return copy
}

/** DER SEQUENCE { INTEGER r, INTEGER s } from an IEEE P1363 r||s signature (the form JWS forbids). */
function p1363ToDer(signature: Buffer): Buffer {
  const integer = (raw: Buffer): Buffer => {
    let start = 0
    while (start < raw.length - 1 && raw[start] === 0) start++
    const trimmed = raw.subarray(start)
    const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const half = signature.length / 2
  const content = Buffer.concat([integer(signature.subarray(0, half)), integer(signature.subarray(half))])
  const length = content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length])
  return Buffer.concat([Buffer.from([0x30]), length, content])
}

describe('decodeJws', () => {
  it('decodes header, alg, kid, signing input, signature and payload segment', () => {
    const token = tokenWith({ alg: 'RS256', kid: 'key-1', typ: 'JWT' }, { sub: 'u' }, b64('sig'))
    const jws = decodeJws(token)
    expect(jws.alg).toBe('RS256')
    expect(jws.kid).toBe('key-1')
    expect(jws.header).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
    expect(jws.signingInput).toBe(token.slice(0, token.lastIndexOf('.')))
    expect(jws.signature.toString()).toBe('sig')
    expect(jws.payloadSegment).toBe(b64({ sub: 'u' }))
  })

  it('reports a token without kid as kid undefined', () => {
    expect(decodeJws(tokenWith({ alg: 'HS256' })).kid).toBeUndefined()
  })

  it.each([
    ['two segments', `${HEADER}.${b64({})}`],
    ['four segments', `${HEADER}.${b64({})}.c2ln.c2ln`],
    ['one segment', HEADER],
    ['an empty header segment', `.${b64({})}.c2ln`],
    ['an empty payload segment', `${HEADER}..c2ln`],
    ['only dots', '..'],
    ['an empty string', ''],
  ])('rejects a token with %s as malformed', (_what, token) => {
    expect(decodeCode(token)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('decodes an empty signature segment (an unsigned alg none token) as an empty signature', () => {
    const jws = decodeJws(`${b64({ alg: 'none' })}.${b64({})}.`)
    expect(jws.alg).toBe('none')
    expect(jws.signature.length).toBe(0)
  })

  it.each([
    ['a + in the header', `${HEADER.slice(0, -1)}+.${b64({})}.c2ln`],
    ['a / in the signature', `${HEADER}.${b64({})}.c2l/`],
    ['a space in the signature', `${HEADER}.${b64({})}.c2 l`],
    ['= padding on the header', `${b64({ alg: 'HS256', x: 1 })}=.${b64({})}.c2ln`],
    ['= padding on the signature', `${HEADER}.${b64({})}.c2lnbg==`],
    ['a signature whose length is 1 mod 4', `${HEADER}.${b64({})}.c2lnb`],
    ['a header whose length is 1 mod 4', `${HEADER}A.${b64({})}.c2ln`],
    ['a + in the payload', `${HEADER}.${b64({})}+.c2ln`],
    ['a payload whose length is 1 mod 4', `${HEADER}.${b64({})}AA.c2ln`],
    // U+0165 has the low byte of "e": a Latin-1 signing input would not tell it from a real payload.
    ['a non-ASCII character in the payload', `${HEADER}.${b64({}).replace('e', '\u0165')}.c2ln`],
  ])('rejects %s as malformed', (_what, token) => {
    expect(decodeCode(token)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('accepts a token exactly MAX_TOKEN_LENGTH long and rejects one a character longer', () => {
    const filler = (length: number) => 'A'.repeat(length - HEADER.length - '..c2ln'.length)
    const atLimit = `${HEADER}.${filler(MAX_TOKEN_LENGTH)}.c2ln`
    expect(atLimit.length).toBe(MAX_TOKEN_LENGTH)
    expect(decodeCode(atLimit)).toBeUndefined()
    expect(decodeCode(`${HEADER}.${filler(MAX_TOKEN_LENGTH + 1)}.c2ln`)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('rejects a header that is not valid UTF-8', () => {
    const header = Buffer.from([0x7b, 0x22, 0x61, 0x6c, 0x67, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')
    expect(decodeCode(`${header}.${b64({})}.c2ln`)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it.each([
    ['an array', ['HS256']],
    ['a string', 'HS256'],
    ['a number', 42],
    ['null', null],
    ['a boolean', true],
  ])('rejects a header that is %s', (_what, header) => {
    expect(decodeCode(tokenWith(header))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('rejects a header that is not JSON', () => {
    expect(decodeCode(`${b64('{"alg":"HS256"')}.${b64({})}.c2ln`)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it.each([
    ['missing', {}],
    ['a number', { alg: 256 }],
    ['null', { alg: null }],
    ['an array', { alg: ['HS256'] }],
  ])('rejects a header whose alg is %s', (_what, header) => {
    expect(decodeCode(tokenWith(header))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it.each([
    ['a number', 7],
    ['null', null],
    ['an object', { id: 'k' }],
    ['1025 characters long', 'k'.repeat(1025)],
  ])('rejects a kid that is %s', (_what, kid) => {
    expect(decodeCode(tokenWith({ alg: 'HS256', kid }))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('accepts a kid of 1024 characters', () => {
    expect(decodeJws(tokenWith({ alg: 'HS256', kid: 'k'.repeat(1024) })).kid).toBe('k'.repeat(1024))
  })

  it.each([
    ['crit', { crit: ['exp'] }],
    ['b64 false', { b64: false, crit: ['b64'] }],
    ['b64 true without crit', { b64: true }],
    ['zip', { zip: 'DEF' }],
    ['enc', { enc: 'A128GCM' }],
  ])('rejects a header carrying %s', (_what, extra) => {
    expect(decodeCode(tokenWith({ alg: 'HS256', ...extra }))).toBe(ErrorCode.TOKEN_MALFORMED)
  })
})

describe('decodeJws remembers valid headers', () => {
  const uniqueHeader = (n: number, extra: Record<string, unknown> = {}) => ({ alg: 'HS256', kid: `remember-${n}-${Math.random()}`, ...extra })

  it('hands back the same frozen header for tokens that share a header segment', () => {
    const header = uniqueHeader(1)
    const first = decodeJws(tokenWith(header, { sub: 'a' }))
    const second = decodeJws(tokenWith(header, { sub: 'b' }))
    expect(second.header).toBe(first.header)
    expect(Object.isFrozen(first.header)).toBe(true)
    expect(second.payloadSegment).toBe(b64({ sub: 'b' }))
  })

  it('rejects an invalid header every time it is seen, never from memory', () => {
    const token = tokenWith({ alg: 'HS256', crit: ['exp'] })
    expect(decodeCode(token)).toBe(ErrorCode.TOKEN_MALFORMED)
    expect(decodeCode(token)).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('does not remember a long header (hostile tokens cannot fill memory with them)', () => {
    const header = uniqueHeader(2, { pad: 'x'.repeat(600) })
    expect(decodeJws(tokenWith(header)).header).not.toBe(decodeJws(tokenWith(header)).header)
  })

  it('forgets the oldest header once many distinct headers have been seen, and still decodes it', () => {
    const oldest = uniqueHeader(3)
    const remembered = decodeJws(tokenWith(oldest)).header
    for (let n = 0; n < 40; n++) decodeJws(tokenWith(uniqueHeader(100 + n)))
    const again = decodeJws(tokenWith(oldest))
    expect(again.header).not.toBe(remembered)
    expect(again.header).toEqual(oldest)
    expect(decodeJws(tokenWith(oldest)).header).toBe(again.header)
  })
})

describe('decodeJws fast paths agree with the strict ones', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const reEncodes = (segment: string) => Buffer.from(segment, 'base64url').toString('base64url') === segment

  it('accepts exactly the segments that re-encode to themselves, for every last character and length', () => {
    let accepted = 0
    for (const length of [2, 3, 4, 6, 7, 8, 86, 87]) {
      for (const last of ALPHABET) {
        const signature = `${'Q'.repeat(length - 1)}${last}`
        expect(decodeCode(`${HEADER}.${b64({})}.${signature}`) === undefined, signature).toBe(reEncodes(signature))
        if (reEncodes(signature)) accepted++
      }
    }
    // 4 of 64 last characters fit 2 leftover characters, 16 of 64 fit 3, all 64 fit a full group.
    expect(accepted).toBe(2 * 4 + 2 * 16 + 2 * 64 + 4 + 16)
  })

  /** A header over exactly these UTF-8 bytes. */
  const headerOf = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part)))).toString('base64url')

  it('accepts a genuinely encoded U+FFFD (EF BF BD) in the header', () => {
    const header = headerOf('{"alg":"HS256","x":"', [0xef, 0xbf, 0xbd], '"}')
    expect(decodeJws(`${header}.${b64({})}.c2ln`).header.x).toBe('\uFFFD')
  })

  it.each([
    ['after', ['{"alg":"HS256","x":"', [0xef, 0xbf, 0xbd], [0xff], '"}']],
    ['before', ['{"alg":"HS256","x":"', [0xc0, 0xaf], [0xef, 0xbf, 0xbd], '"}']],
  ] as const)('rejects invalid UTF-8 even %s a genuine U+FFFD', (_where, parts) => {
    expect(decodeCode(`${headerOf(...parts.map((part) => (typeof part === 'string' ? part : [...part])))}.${b64({})}.c2ln`)).toBe(ErrorCode.TOKEN_MALFORMED)
  })
})

type Case = { alg: string; verifyKey: KeyObject; token: string }

async function joseCase(alg: string): Promise<Case> {
  if (alg.startsWith('HS')) {
    const secret = await generateSecret(alg, { extractable: true })
    const verifyKey = secret instanceof Uint8Array ? createSecretKey(secret) : KeyObject.from(secret)
    return { alg, verifyKey, token: await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg }).sign(secret) }
  }
  const { privateKey, publicKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true })
  return { alg, verifyKey: KeyObject.from(publicKey), token: await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg }).sign(privateKey) }
}

/** jose 6 signs Ed25519 only; Ed448 tokens are signed with node:crypto, which implements RFC 8032 directly. */
function ed448Case(): Case {
  const { privateKey, publicKey } = generateKeyPairSync('ed448')
  const input = `${b64({ alg: 'EdDSA' })}.${b64({ sub: 'u' })}`
  return { alg: 'EdDSA', verifyKey: publicKey, token: `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}` }
}

const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

describe('verifySignature', () => {
  const cases = new Map<string, Case>()
  beforeAll(async () => {
    for (const alg of ALGORITHMS) cases.set(alg, await joseCase(alg))
    cases.set('EdDSA/Ed448', ed448Case())
  })
  const caseFor = (name: string): Case => {
    const found = cases.get(name)
    if (found === undefined) throw new Error(`no case ${name}`)
    return found
  }

  describe.each([...ALGORITHMS, 'EdDSA/Ed448'])('%s', (name) => {
    it('accepts the signature jose made', () => {
      const { alg, verifyKey, token } = caseFor(name)
      const { data, signature } = parts(token)
      expect(verifySignature(alg, verifyKey, data, signature)).toBe(true)
    })

    it('rejects the signature with one byte flipped', () => {
      const { alg, verifyKey, token } = caseFor(name)
      const { data, signature } = parts(token)
      expect(verifySignature(alg, verifyKey, data, flipped(signature, 5))).toBe(false)
    })

    it('rejects the signature over a different signing input', () => {
      const { alg, verifyKey, token } = caseFor(name)
      const { data, signature } = parts(token)
      expect(verifySignature(alg, verifyKey, otherInput(data), signature)).toBe(false)
    })
  })

  describe.each(['ES256', 'ES384', 'ES512'])('%s signature encoding', (alg) => {
    it('rejects a signature one byte too long or too short', () => {
      const { verifyKey, token } = caseFor(alg)
      const { data, signature } = parts(token)
      expect(verifySignature(alg, verifyKey, data, Buffer.concat([signature, Buffer.from([0])]))).toBe(false)
      expect(verifySignature(alg, verifyKey, data, signature.subarray(1))).toBe(false)
    })

    it('rejects psychic signatures with r = 0, s = 0 or both', () => {
      const { verifyKey, token } = caseFor(alg)
      const { data, signature } = parts(token)
      const half = signature.length / 2
      const zeros = Buffer.alloc(half)
      expect(verifySignature(alg, verifyKey, data, Buffer.alloc(signature.length))).toBe(false)
      expect(verifySignature(alg, verifyKey, data, Buffer.concat([zeros, signature.subarray(half)]))).toBe(false)
      expect(verifySignature(alg, verifyKey, data, Buffer.concat([signature.subarray(0, half), zeros]))).toBe(false)
    })

    it('rejects the same signature DER-encoded, which node:crypto would accept in DER mode', () => {
      const { verifyKey, token } = caseFor(alg)
      const { data, signature } = parts(token)
      const der = p1363ToDer(signature)
      expect(verify(`sha${alg.slice(2)}`, Buffer.from(data), { key: verifyKey, dsaEncoding: 'der' }, der)).toBe(true)
      expect(verifySignature(alg, verifyKey, data, der)).toBe(false)
    })
  })

  it('rejects an empty signature for every algorithm family', () => {
    for (const name of ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA']) {
      const { alg, verifyKey, token } = caseFor(name)
      expect(verifySignature(alg, verifyKey, parts(token).data, Buffer.alloc(0))).toBe(false)
    }
  })

  it('rejects an algorithm it does not implement, such as none', () => {
    const { verifyKey, token } = caseFor('HS256')
    const { data, signature } = parts(token)
    expect(verifySignature('none', verifyKey, data, signature)).toBe(false)
  })
})

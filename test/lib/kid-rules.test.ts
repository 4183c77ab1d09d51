// How a token's kid chooses keys, per key setting, through the whole authorizer (issue 12, item 6).
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import type { Settings } from '../../lib/config-env.js'
import { capturedLogger, restTokenEvent, signed } from '../support/tokens.js'

const A = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const B = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwkOf = (pair: typeof A, kid?: string) => ({ ...pair.publicKey.export({ format: 'jwk' }), ...(kid === undefined ? {} : { kid }) })

async function outcome(settings: Settings, signer: typeof A, kid: string | undefined): Promise<string> {
  const log = capturedLogger()
  const handler = createAuthorizer({ settings: () => settings, logger: log.logger })
  const token = await signed('ES256', signer.privateKey, { sub: 'kid-user' }, kid === undefined ? {} : { kid })
  return handler(restTokenEvent(`Bearer ${token}`)).then(
    () => 'allow',
    () => String(log.named('decision')[0]?.reason),
  )
}

describe('a JWKS in CUBEJS_JWT_KEY: exact kid, as jose', () => {
  const set = { CUBEJS_JWT_KEY: JSON.stringify({ keys: [jwkOf(A, 'a'), jwkOf(B)] }) }

  it('verifies a token with a kid only by the key with that kid', async () => {
    expect(await outcome(set, A, 'a')).toBe('allow')
    expect(await outcome(set, B, 'a')).toBe('signature_invalid')
  })

  it('never lets a key without kid serve a token whose kid names no key', async () => {
    expect(await outcome(set, B, 'unknown')).toBe('key_not_found')
  })

  it('lets a key without kid serve a token without kid only when it is the one suitable key', async () => {
    expect(await outcome(set, B, undefined)).toBe('key_not_found')
    expect(await outcome({ CUBEJS_JWT_KEY: JSON.stringify({ keys: [jwkOf(B)] }) }, B, undefined)).toBe('allow')
  })
})

describe('single static keys: the kid is ignored, as in Cube', () => {
  it.each([
    ['one JWK with another kid', { CUBEJS_JWT_KEY: JSON.stringify(jwkOf(A, 'mine')) }],
    ['a PEM key', { CUBEJS_JWT_KEY: A.publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
  ])('%s verifies a token whatever its kid', async (_what, settings) => {
    expect(await outcome(settings, A, 'theirs')).toBe('allow')
    expect(await outcome(settings, A, undefined)).toBe('allow')
  })
})

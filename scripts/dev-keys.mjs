// Development key pairs for `npm run token -- --alg RS256|ES256|EdDSA` and `npm run dev:jwks`, made on first use.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { randomBytes } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Relative to the project root (npm runs scripts there); git-ignored. Private keys: never commit or deploy them. */
export const DEV_KEYS_DIR = '.dev-keys'
/** Dev tokens carry these, and `npm run dev:jwks` prints them: a remote JWKS needs an issuer and an audience. */
export const DEV_ISSUER = 'https://dev-issuer.cube-jwt-authorizer.invalid/'
export const DEV_AUDIENCE = 'cube-api-dev'

const KINDS = {
  RS256: { type: 'RS256', options: { modulusLength: 2048 } },
  ES256: { type: 'ES256', options: {} },
  EdDSA: { type: 'Ed25519', options: {} },
}
export const DEV_ALGS = Object.freeze(Object.keys(KINDS))

async function create(alg, file) {
  const { type, options } = KINDS[alg]
  const { privateKey } = await generateKeyPair(type, { ...options, extractable: true })
  const jwk = await exportJWK(privateKey)
  const thumbprint = await calculateJwkThumbprint(jwk)
  const stored = { ...jwk, kid: `dev-${alg.toLowerCase()}-${thumbprint.slice(0, 8)}`, alg, use: 'sig' }
  // Written aside, then linked into place: a concurrent first use (token and dev:jwks) ends with one key, whole.
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
  try {
    await link(temp, file)
  } catch (error) {
    if (error.code !== 'EEXIST') throw error
  } finally {
    await unlink(temp)
  }
}

/** The private JWK (with kid, alg, use) of the dev key pair for `alg`, generated into .dev-keys/ on first use. */
export async function devKey(alg, dir = DEV_KEYS_DIR) {
  if (!(alg in KINDS)) throw new Error(`no dev key for ${alg}: use one of ${DEV_ALGS.join(', ')}`)
  const file = join(dir, `${alg}.private.jwk.json`)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    if (error.code !== 'ENOENT') throw new Error(`cannot read ${file}: ${error.message}. Delete it to make a new key pair.`)
  }
  await create(alg, file)
  return JSON.parse(await readFile(file, 'utf8'))
}

/** The public half of a dev key, as a JWKS publishes it. */
export function publicJwk({ kty, crv, n, e, x, y, kid, alg, use }) {
  return Object.fromEntries(Object.entries({ kty, crv, n, e, x, y, kid, alg, use }).filter(([, v]) => v !== undefined))
}

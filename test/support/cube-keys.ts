// Key material for the Cube differential test: key pairs, a certificate, a 1024-bit RSA key, public-key text formats.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { pair, selfSignedCertificate, type Pair } from './security-tokens.js'

/** Every key the configurations use: static keys (and a wrong one of each kind) and the keys of the remote sets (j*). */
export async function keyMaterial() {
  const [rsa, rsaOther, ec, ecOther, ec384, ed, edOther, jRsa, jEc, jOther] = await Promise.all([
    pair('RS256'), pair('RS256'), pair('ES256'), pair('ES256'), pair('ES384'), pair('Ed25519'), pair('Ed25519'), pair('RS256'), pair('ES256'), pair('RS256'),
  ])
  // jose refuses to make RSA keys under 2048 bits; node:crypto does not.
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const smallPem = small.publicKey.export({ format: 'pem', type: 'spki' }).toString()
  return { rsa, rsaOther, ec, ecOther, ec384, ed, edOther, jRsa, jEc, jOther, cert: selfSignedCertificate('cube-differential'), small, smallPem }
}

/** An OpenSSH `ssh-ed25519` public key line (RFC 4253 string encoding). */
export function openSsh(publicKey: KeyObject): string {
  const raw = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url')
  const field = (b: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(b.length)
    return Buffer.concat([length, b])
  }
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ops@example`
}

/** An RSA JWK with e = 1 and a token "signed" for it: with e = 1 the signature is simply the padded digest (EMSA-PKCS1-v1_5). */
export function exponentOne(p: Pair, claims: object) {
  const modulus = Buffer.from(String(p.jwk.n), 'base64url')
  const publicJwk = { kty: 'RSA', n: p.jwk.n, e: 'AQ', kid: 'e-one' }
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'e-one' })).toString('base64url')
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  const digest = createHash('sha256').update(input).digest()
  const info = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest])
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(modulus.length - info.length - 3, 0xff), Buffer.from([0]), info])
  return { publicJwk, token: `${input}.${em.toString('base64url')}` }
}


// test/security material: hand-forged compact JWS (any header or payload bytes), key pairs, certificates, a seeded PRNG.
import { execFileSync } from 'node:child_process'
import { constants, createHmac, createPrivateKey, KeyObject, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose'

/** base64url of text, bytes, or JSON of anything else (so a header may be raw JSON text with duplicate members). */
export function b64url(value: unknown): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64url')
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url')
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

export type Signer = (signingInput: string) => Buffer

/** header.payload.signature with whatever header and payload; `signer` undefined leaves the signature empty. */
export function forge(header: unknown, payload: unknown, signer?: Signer): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${signer === undefined ? '' : signer(input).toString('base64url')}`
}

export const hmac = (alg: string, key: string | Buffer): Signer => (input) => createHmac(`sha${alg.slice(2)}`, key).update(input).digest()

/** JWS signatures with node:crypto: RSA PKCS#1 v1.5, RSA-PSS, ECDSA as r||s, EdDSA. */
export const asymmetric = (alg: string, privateKey: KeyObject): Signer => (input) => {
  const data = Buffer.from(input)
  const hash = `sha${alg.slice(2)}`
  if (alg.startsWith('RS')) return sign(hash, data, privateKey)
  if (alg.startsWith('PS')) return sign(hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
  if (alg.startsWith('ES')) return sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  return sign(null, data, privateKey)
}

/** The token with its signature segment replaced. */
export function withSignature(token: string, signature: Buffer | string): string {
  const base = token.slice(0, token.lastIndexOf('.'))
  return `${base}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`
}

export interface Pair {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly pem: string
  readonly jwk: JWK
}

/** A key pair minted with jose, as node:crypto KeyObjects plus its SPKI PEM and public JWK. */
export async function pair(alg: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'Ed25519'): Promise<Pair> {
  const keys = await generateKeyPair(alg, { extractable: true })
  return {
    privateKey: KeyObject.from(keys.privateKey),
    publicKey: KeyObject.from(keys.publicKey),
    pem: await exportSPKI(keys.publicKey),
    jwk: await exportJWK(keys.publicKey),
  }
}

export interface Certificate {
  readonly pem: string
  /** The DER in standard base64, as an x5c entry carries it. */
  readonly x5c: string
  readonly privateKey: KeyObject
}

/** A self-signed RSA certificate from the openssl CLI (node:crypto cannot issue certificates). */
export function selfSignedCertificate(commonName: string): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'sec-cert-'))
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${commonName}`], { stdio: 'ignore' })
    const pem = readFileSync(cert, 'utf8')
    const x5c = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
    return { pem, x5c, privateKey: createPrivateKey(readFileSync(key, 'utf8')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** mulberry32: tiny, fast and seeded, so every run replays the same cases and a failure names its seed and index. */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed | 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(below: number): number {
    return Math.floor(this.next() * below)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(items.length)] as T
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  string(length: number, alphabet: string): string {
    let out = ''
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)]
    return out
  }
}

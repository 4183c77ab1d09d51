// One bounded JSON download over node:http(s) (a JWKS, an OIDC discovery document): overall deadline, size cap while
// reading, no redirects, 200 + JSON; a JWKS must hold a `keys` array.
import type { IncomingHttpHeaders, IncomingMessage, get as HttpGet } from 'node:http'

/** Real key sets are a few KB; the cap stops a hostile or broken endpoint from exhausting memory. */
export const MAX_JWKS_BYTES = 512 * 1024

export interface JwksResponse {
  readonly status: number
  readonly jwks: { readonly keys: readonly unknown[] }
  /** Remaining lifetime from Cache-Control (max-age minus Age), unclamped; undefined when the provider gives none. */
  readonly maxAgeSeconds: number | undefined
}

export class JwksFetchError extends Error {
  readonly status: number | undefined
  constructor(reason: string, status?: number) {
    super(reason)
    this.name = 'JwksFetchError'
    this.status = status
  }
}

export type JwksFetcher = (url: string, timeoutMs: number) => Promise<JwksResponse>

/** max-age from a Cache-Control header; no-store and no-cache mean 0 (the cache clamps it to its minimum). */
export function parseMaxAge(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:[,=]|$)/i.test(header)) return 0
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(header)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** A response a CDN has held for `Age` seconds has that much less life left (RFC 9111 4.2.3). */
export function remainingLifetime(headers: IncomingHttpHeaders): number | undefined {
  const maxAge = parseMaxAge(headers['cache-control'])
  if (maxAge === undefined) return undefined
  const age = /^\s*(\d+)\s*$/.exec(headers.age ?? '')?.[1]
  return age === undefined ? maxAge : Math.max(0, maxAge - Number(age))
}

function parseJson(body: Buffer, status: number): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new JwksFetchError('body is not JSON', status)
  }
}

function parseBody(body: Buffer, status: number): { readonly keys: readonly unknown[] } {
  const json = parseJson(body, status)
  const keys = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys)) throw new JwksFetchError('body has no keys array', status)
  return { keys }
}

/** node:http instead of global fetch: undici's first-call start-up cost lands on a cold start's first request. */
/** Loaded on first use: deployments with a secret or a static key never pay for node:http(s) at cold start. */
async function getFor(url: string): Promise<typeof HttpGet> {
  return url.startsWith('https:') ? (await import('node:https')).get : (await import('node:http')).get
}

export const fetchJwks: JwksFetcher = async (url, timeoutMs) =>
  download(await getFor(url), url, timeoutMs, (body) => ({ status: 200, jwks: parseBody(body, 200), maxAgeSeconds: undefined }))

export interface JsonResponse {
  readonly status: number
  readonly json: unknown
}

export type JsonFetcher = (url: string, timeoutMs: number) => Promise<JsonResponse>

/** Any JSON document under the same rules as a JWKS (OIDC discovery): deadline, size cap, no redirects, 200 only. */
export const fetchJsonDocument: JsonFetcher = async (url, timeoutMs) =>
  download(await getFor(url), url, timeoutMs, (body) => ({ status: 200, json: parseJson(body, 200) }))

const download = <T extends { readonly status: number }>(get: typeof HttpGet, url: string, timeoutMs: number, parse: (body: Buffer) => T): Promise<T & { maxAgeSeconds?: number | undefined }> =>
  new Promise((resolve, reject) => {
    let settled = false
    let status: number | undefined
    const finish = (outcome: (T & { maxAgeSeconds?: number | undefined }) | JwksFetchError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (outcome instanceof JwksFetchError) {
        // Tears down the socket too, so a hung or trickling endpoint is not left holding a connection.
        request.destroy()
        reject(outcome)
      } else {
        resolve(outcome)
      }
    }
    // A fresh connection per fetch (agent: false): fetches are minutes apart, and a pooled socket that slept through a
    // Lambda freeze is likely dead, which would turn a routine refresh into a failure.
    const request = get(url, { agent: false, headers: { accept: 'application/json' } }, (response: IncomingMessage) => {
      status = response.statusCode ?? 0
      // node:http never follows redirects; a 3xx is refused rather than followed to a host the settings did not name.
      if (status !== 200) return finish(new JwksFetchError(status >= 300 && status < 400 ? 'redirect refused' : 'unexpected status', status))
      const declared = Number(response.headers['content-length'] ?? 0)
      if (declared > MAX_JWKS_BYTES) return finish(new JwksFetchError('response too large', status))
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        // Checked while reading, so a 5 MB answer is cut off at the cap instead of being buffered first.
        if (size > MAX_JWKS_BYTES) return finish(new JwksFetchError('response too large', status))
        chunks.push(chunk)
      })
      response.on('end', () => {
        try {
          finish({ ...parse(Buffer.concat(chunks)), maxAgeSeconds: remainingLifetime(response.headers) })
        } catch (error) {
          finish(error instanceof JwksFetchError ? error : new JwksFetchError('body is not JSON', status))
        }
      })
      response.on('error', () => finish(new JwksFetchError('connection failed', status)))
      response.on('close', () => finish(new JwksFetchError('connection closed early', status)))
    })
    // One deadline for DNS, connect, headers and body: a trickling endpoint cannot hold the invocation.
    const timer = setTimeout(() => finish(new JwksFetchError('timeout', status)), timeoutMs)
    request.on('error', () => finish(new JwksFetchError('connection failed', status)))
  })

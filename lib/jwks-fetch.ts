// One bounded JWKS download over node:http(s): deadline, size cap, no redirects, 200 + JSON `keys` required.
import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'

/** Real key sets are a few KB; the cap stops a hostile or broken endpoint from exhausting memory. */
export const MAX_JWKS_BYTES = 512 * 1024

export interface JwksResponse {
  readonly status: number
  readonly jwks: { readonly keys: readonly unknown[] }
  /** From Cache-Control max-age, unclamped; undefined when absent. */
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

export function parseMaxAge(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(header)) return 0
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(header)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      // Checked while reading, so a 5 MB answer is cut off at the cap instead of being buffered first.
      if (size > maxBytes) {
        response.destroy()
        reject(new JwksFetchError('response too large', response.statusCode))
        return
      }
      chunks.push(chunk)
    })
    response.on('end', () => resolve(Buffer.concat(chunks)))
    response.on('error', () => reject(new JwksFetchError('connection failed', response.statusCode)))
    response.on('aborted', () => reject(new JwksFetchError('connection failed', response.statusCode)))
  })
}

/** node:http instead of global fetch: undici's first-call start-up cost lands on a cold start's first request. */
export const fetchJwks: JwksFetcher = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    let timedOut = false
    const fail = (error: unknown) =>
      reject(timedOut ? new JwksFetchError('timeout') : error instanceof JwksFetchError ? error : new JwksFetchError('connection failed'))
    const get = url.startsWith('https:') ? httpsGet : httpGet
    const request = get(url, { headers: { accept: 'application/json' } }, (response) => {
      const status = response.statusCode ?? 0
      if (status !== 200) {
        response.destroy()
        reject(new JwksFetchError(status >= 300 && status < 400 ? 'redirect refused' : 'unexpected status', status))
        return
      }
      readBody(response, MAX_JWKS_BYTES).then((body) => {
        let json: unknown
        try {
          json = JSON.parse(body.toString('utf8'))
        } catch {
          throw new JwksFetchError('body is not JSON', status)
        }
        const keys = typeof json === 'object' && json !== null ? (json as { keys?: unknown }).keys : undefined
        if (!Array.isArray(keys)) throw new JwksFetchError('body has no keys array', status)
        const header = response.headers['cache-control']
        resolve({ status, jwks: { keys }, maxAgeSeconds: parseMaxAge(header) })
      }).catch(fail)
    })
    // One deadline for connect, headers and body: a trickling endpoint cannot hold the invocation.
    const timer = setTimeout(() => {
      timedOut = true
      request.destroy(new JwksFetchError('timeout'))
    }, timeoutMs)
    request.on('error', fail)
    request.on('close', () => clearTimeout(timer))
  })

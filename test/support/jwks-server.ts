// Real node:http JWKS endpoint on 127.0.0.1 that can misbehave the ways a remote key server does in production.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export const JWKS_PATH = '/.well-known/jwks.json'

export type JwksDocument = { readonly keys: readonly object[] }

export type JwksServerMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'html' }
  | { readonly kind: 'garbage' }
  | { readonly kind: 'noKeys' }
  | { readonly kind: 'huge'; readonly bytes: number }
  | { readonly kind: 'trickle'; readonly intervalMs: number; readonly totalMs: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'delay'; readonly ms: number }

export type JwksServerOptions = {
  readonly keys?: JwksDocument
  readonly mode?: JwksServerMode
  readonly headers?: Readonly<Record<string, string>>
}

export type TrapServer = {
  readonly url: string
  readonly origin: string
  readonly requests: number
  close(): Promise<void>
}

export type JwksServer = TrapServer & {
  setKeys(jwks: JwksDocument): void
  setMode(mode: JwksServerMode): void
  setHeaders(headers: Readonly<Record<string, string>>): void
}

export type JwkAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

const HUGE_CHUNK_BYTES = 64 * 1024

type Handler = (req: IncomingMessage, res: ServerResponse, timers: Set<NodeJS.Timeout>) => void

/**
 * A node:http server on a free loopback port that counts its requests. Sockets and timers are tracked so close() cannot
 * be held open by a hung or trickling response. `url` is the server's JWKS path; other servers use `origin`.
 */
export async function listenOnLoopback(handler: Handler): Promise<TrapServer> {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let requests = 0
  const server = createServer((req, res) => {
    requests += 1
    handler(req, res, timers)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address: AddressInfo | string | null = server.address()
  if (address === null || typeof address === 'string') throw new Error('JWKS test server has no TCP address')
  const { port } = address
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}${JWKS_PATH}`,
    origin,
    get requests() {
      return requests
    },
    close,
  }
}

function later(timers: Set<NodeJS.Timeout>, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    timers.delete(timer)
    fn()
  }, ms)
  timers.add(timer)
}

// Writes in chunks and honours backpressure, so "huge" really reaches the client instead of piling up in memory.
async function streamHuge(res: ServerResponse, prefix: string, bytes: number): Promise<void> {
  const write = (chunk: string): Promise<void> =>
    res.write(chunk)
      ? Promise.resolve()
      : new Promise((resolve) => {
          // A client that gives up never drains; 'close' releases the loop instead of leaving it pending forever.
          const done = (): void => {
            res.off('drain', done).off('close', done)
            resolve()
          }
          res.on('drain', done).on('close', done)
        })
  await write(prefix)
  const chunk = 'a'.repeat(HUGE_CHUNK_BYTES)
  for (let sent = 0; sent < bytes && !res.destroyed; sent += HUGE_CHUNK_BYTES) {
    await write(bytes - sent >= HUGE_CHUNK_BYTES ? chunk : chunk.slice(0, bytes - sent))
  }
  if (!res.destroyed) res.end('"}')
}

// Leading whitespace is legal JSON, so a patient client ends with a valid JWKS; only a total deadline (not a
// socket idle timeout) stops a client from waiting the full totalMs.
function trickle(res: ServerResponse, timers: Set<NodeJS.Timeout>, body: string, intervalMs: number, totalMs: number): void {
  const deadline = Date.now() + totalMs
  const tick = (): void => {
    if (res.destroyed) return
    if (Date.now() >= deadline) {
      res.end(body)
      return
    }
    res.write(' ')
    later(timers, intervalMs, tick)
  }
  tick()
}

export async function startJwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  let keys: JwksDocument = options.keys ?? { keys: [] }
  let mode: JwksServerMode = options.mode ?? { kind: 'ok' }
  let extraHeaders: Readonly<Record<string, string>> = options.headers ?? {}

  const handler: Handler = (req, res, timers) => {
    const send = (status: number, contentType: string, body: string): void => {
      if (res.destroyed) return
      res.writeHead(status, { ...extraHeaders, 'content-type': contentType })
      res.end(body)
    }
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== JWKS_PATH) {
      send(404, 'application/json', '{"error":"not found"}')
      return
    }
    const json = JSON.stringify(keys)
    switch (mode.kind) {
      case 'ok':
        return send(200, 'application/json', json)
      case 'status':
        return send(mode.status, 'application/json', '{"error":"injected status"}')
      case 'html':
        return send(200, 'text/html', '<html><body>Service Unavailable</body></html>')
      case 'garbage':
        return send(200, 'application/json', '{"keys":[{"kty":')
      case 'noKeys':
        return send(200, 'application/json', '{"foo":1}')
      case 'huge':
        res.writeHead(200, { ...extraHeaders, 'content-type': 'application/json' })
        // A valid JWKS plus padding: a client without a size limit would accept it, so only the limit can reject it.
        void streamHuge(res, `${json.slice(0, -1)},"padding":"`, mode.bytes)
        return
      case 'trickle':
        res.writeHead(200, { ...extraHeaders, 'content-type': 'application/json' })
        trickle(res, timers, json, mode.intervalMs, mode.totalMs)
        return
      case 'hang':
        return
      case 'redirect':
        res.writeHead(302, { ...extraHeaders, location: mode.location })
        res.end()
        return
      case 'delay':
        later(timers, mode.ms, () => send(200, 'application/json', json))
        return
    }
  }

  // Object.assign keeps the live `requests` getter that a spread would freeze into a number.
  return Object.assign(await listenOnLoopback(handler), {
    setKeys: (jwks: JwksDocument): void => {
      keys = jwks
    },
    setMode: (next: JwksServerMode): void => {
      mode = next
    },
    setHeaders: (headers: Readonly<Record<string, string>>): void => {
      extraHeaders = headers
    },
  })
}

// Stands in for an attacker-chosen jku/x5u host: any request at all proves a header-supplied URL was fetched.
export function trapServer(): Promise<TrapServer> {
  return listenOnLoopback((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
}

export async function generateJwk(alg: JwkAlgorithm, kid: string): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { privateKey, publicJwk }
}

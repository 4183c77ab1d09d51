// Proves each JWKS test-server mode from the client side, so authorizer tests can trust what the server does.
import { get as httpGet, type IncomingHttpHeaders } from 'node:http'
import { SignJWT, createRemoteJWKSet, importJWK, jwtVerify } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import {
  JWKS_PATH,
  generateJwk,
  startJwksServer,
  trapServer,
  type JwkAlgorithm,
  type JwksServer,
  type JwksServerOptions,
  type TrapServer,
} from './jwks-server.js'
import { closedAfterEach } from './closed-after-each.js'
import { HANG_TIMEOUT_MS, PATIENTLY, PATIENT_MS } from './patience.js'

type Outcome =
  | { readonly kind: 'complete'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string; readonly bytes: number }
  | { readonly kind: 'deadline' | 'idle'; readonly status: number | undefined; readonly bytes: number }

type GetOptions = { readonly deadlineMs?: number; readonly idleMs?: number }

// Plain node:http client (no redirect following, no retries) so what we see is exactly what the server sent.
function get(url: string, { deadlineMs = PATIENT_MS, idleMs }: GetOptions = {}): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const controller = new AbortController()
    let stoppedBy: 'deadline' | 'idle' | undefined
    let status: number | undefined
    let bytes = 0
    let settled = false
    const settle = (outcome: Outcome | Error): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    const deadline = setTimeout(() => {
      stoppedBy = 'deadline'
      controller.abort()
    }, deadlineMs)
    const req = httpGet(url, { signal: controller.signal }, (res) => {
      status = res.statusCode
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        chunks.push(chunk)
      })
      res.on('error', () => undefined); // reported through 'close' below
      res.on('end', () =>
        settle({ kind: 'complete', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), bytes }),
      )
      res.on('close', () => settle(stoppedBy ? { kind: stoppedBy, status, bytes } : new Error('response closed early')))
    })
    if (idleMs !== undefined) {
      req.setTimeout(idleMs, () => {
        stoppedBy = 'idle'
        req.destroy()
      })
    }
    req.on('error', (error) => settle(stoppedBy ? { kind: stoppedBy, status, bytes } : error))
  })
}

async function getComplete(url: string): Promise<Extract<Outcome, { kind: 'complete' }>> {
  const outcome = await get(url)
  if (outcome.kind !== 'complete') throw new Error(`expected a complete response, got ${outcome.kind}`)
  return outcome
}

const track = closedAfterEach()
const start = async (options?: JwksServerOptions): Promise<JwksServer> => track(await startJwksServer(options))
const startTrap = async (): Promise<TrapServer> => track(await trapServer())

const SAMPLE = { keys: [{ kty: 'oct', kid: 'sample', k: 'AAAA' }] }

describe('startJwksServer', () => {
  it('listens on 127.0.0.1 and exposes the JWKS path as url', async () => {
    const server = await start()
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).toBe(`${server.origin}${JWKS_PATH}`)
  })

  it('serves the current keys as application/json by default', async () => {
    const server = await start({ keys: SAMPLE })
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(JSON.parse(res.body)).toEqual(SAMPLE)
  })

  it('serves the new keys after setKeys', async () => {
    const server = await start({ keys: SAMPLE })
    const rotated = { keys: [{ kty: 'oct', kid: 'rotated', k: 'BBBB' }] }
    server.setKeys(rotated)
    expect(JSON.parse((await getComplete(server.url)).body)).toEqual(rotated)
  })

  it('adds headers set with setHeaders and drops them when replaced', async () => {
    const server = await start()
    server.setHeaders({ 'Cache-Control': 'max-age=600' })
    expect((await getComplete(server.url)).headers['cache-control']).toBe('max-age=600')
    server.setHeaders({})
    expect((await getComplete(server.url)).headers['cache-control']).toBeUndefined()
  })

  it('counts every request, including ones to other paths, which get 404', async () => {
    const server = await start()
    await getComplete(server.url)
    await getComplete(server.url)
    const elsewhere = await getComplete(`${server.origin}/elsewhere`)
    expect(elsewhere.status).toBe(404)
    expect(server.requests).toBe(3)
  })

  it('answers with the injected status in status mode', async () => {
    const server = await start({ mode: { kind: 'status', status: 503 } })
    expect((await getComplete(server.url)).status).toBe(503)
    server.setMode({ kind: 'status', status: 500 })
    expect((await getComplete(server.url)).status).toBe(500)
  })

  it('answers 200 text/html in html mode', async () => {
    const server = await start({ mode: { kind: 'html' } })
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html')
    expect(res.body.startsWith('<html>')).toBe(true)
  })

  it('answers 200 application/json with a body that is not JSON in garbage mode', async () => {
    const server = await start({ mode: { kind: 'garbage' } })
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(() => JSON.parse(res.body)).toThrow(SyntaxError)
  })

  it('answers valid JSON without a keys member in noKeys mode', async () => {
    const server = await start({ keys: SAMPLE, mode: { kind: 'noKeys' } })
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ foo: 1 })
  })

  it('streams at least the requested number of bytes in huge mode, as a JWKS that is valid apart from its size', async () => {
    const server = await start({ keys: SAMPLE, mode: { kind: 'huge', bytes: 5_000_000 } })
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.bytes).toBeGreaterThanOrEqual(5_000_000)
    expect(JSON.parse(res.body)).toMatchObject(SAMPLE)
  })

  it('keeps answering after a client abandons a huge response', async () => {
    const server = await start({ mode: { kind: 'huge', bytes: 50_000_000 } })
    const abandoned = await get(server.url, { deadlineMs: 100 })
    expect(abandoned.kind).toBe('deadline')
    server.setMode({ kind: 'ok' })
    expect((await getComplete(server.url)).status).toBe(200)
  })

  it('accepts the request but never answers in hang mode', async () => {
    const server = await start({ mode: { kind: 'hang' } })
    // Long enough for the request to reach the server on a busy CPU, which it counts below.
    const outcome = await get(server.url, { deadlineMs: HANG_TIMEOUT_MS })
    expect(outcome).toEqual({ kind: 'deadline', status: undefined, bytes: 0 })
    expect(server.requests).toBe(1)
  })

  it('keeps a socket-idle timeout from firing in trickle mode, so only a total deadline ends the wait', async () => {
    const server = await start({ mode: { kind: 'trickle', intervalMs: 10, totalMs: 60_000 } })
    // The idle timeout is 100 trickle intervals long, so only a stalled CPU, not the server, could trigger it.
    const outcome = await get(server.url, { idleMs: 1_000, deadlineMs: 3_000 })
    expect(outcome.kind).toBe('deadline')
    expect(outcome.status).toBe(200)
    expect(outcome.bytes).toBeGreaterThan(0)
  })

  it('ends a trickle with the current keys, so a patient client gets valid JSON', async () => {
    const server = await start({ keys: SAMPLE, mode: { kind: 'trickle', intervalMs: 5, totalMs: 100 } })
    const res = await getComplete(server.url)
    expect(res.body).toMatch(/^ +\{/)
    expect(JSON.parse(res.body)).toEqual(SAMPLE)
  })

  it('answers 302 with the Location header in redirect mode', async () => {
    const server = await start({ mode: { kind: 'redirect', location: 'http://127.0.0.1:9/elsewhere.json' } })
    const res = await getComplete(server.url)
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe('http://127.0.0.1:9/elsewhere.json')
  })

  it('answers nothing before the delay and the keys after it in delay mode', async () => {
    const server = await start({ keys: SAMPLE, mode: { kind: 'delay', ms: 400 } })
    expect((await get(server.url, { deadlineMs: 50 })).kind).toBe('deadline')
    const res = await getComplete(server.url)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual(SAMPLE)
  })

  it('can be read with fetch as well', async () => {
    const server = await start({ keys: SAMPLE })
    const res = await fetch(server.url)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(SAMPLE)
  })
})

describe('JwksServer.close', () => {
  const raceClose = async (server: JwksServer): Promise<'closed' | 'still open'> => {
    let timer: NodeJS.Timeout | undefined
    const stillOpen = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), PATIENT_MS)))
    try {
      return await Promise.race([server.close().then(() => 'closed' as const), stillOpen])
    } finally {
      clearTimeout(timer)
    }
  }

  it('resolves while a hang request is still open, cutting that request off', async () => {
    const server = await start({ mode: { kind: 'hang' } })
    const pending = get(server.url, { deadlineMs: 10_000 })
    await vi.waitFor(() => expect(server.requests).toBe(1), PATIENTLY)
    expect(await raceClose(server)).toBe('closed')
    await expect(pending).rejects.toThrow()
  })

  it('resolves while a trickle response is mid-stream', async () => {
    const server = await start({ mode: { kind: 'trickle', intervalMs: 10, totalMs: 60_000 } })
    const pending = get(server.url, { deadlineMs: 10_000 })
    await vi.waitFor(() => expect(server.requests).toBe(1), PATIENTLY)
    expect(await raceClose(server)).toBe('closed')
    await expect(pending).rejects.toThrow()
  })

  it('stops accepting connections', async () => {
    const server = await start()
    await server.close()
    await expect(get(server.url)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('can be called twice', async () => {
    const server = await start()
    await server.close()
    await expect(server.close()).resolves.toBeUndefined()
  })
})

describe('trapServer', () => {
  it('answers 200 {} on any path and counts every request', async () => {
    const trap = await startTrap()
    expect(trap.requests).toBe(0)
    const res = await getComplete(trap.url)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({})
    await getComplete(`${trap.origin}/x5u/cert.pem`)
    expect(trap.requests).toBe(2)
  })
})

describe('generateJwk', () => {
  const ALGORITHMS: readonly JwkAlgorithm[] = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA']

  it.each(ALGORITHMS)('returns a %s public JWK with kid, alg and use but no private part', async (alg) => {
    const { publicJwk } = await generateJwk(alg, `kid-${alg}`)
    expect(publicJwk).toMatchObject({ kid: `kid-${alg}`, alg, use: 'sig' })
    expect(publicJwk).not.toHaveProperty('d')
  })

  it.each(ALGORITHMS)('returns a %s private key whose signatures verify with the public JWK', async (alg) => {
    const { privateKey, publicJwk } = await generateJwk(alg, 'k1')
    const token = await new SignJWT({ sub: 'user' }).setProtectedHeader({ alg, kid: 'k1' }).sign(privateKey)
    const { payload } = await jwtVerify(token, await importJWK(publicJwk, alg))
    expect(payload.sub).toBe('user')
  })

  it('produces keys that jose verifies through the server url, with one fetch', async () => {
    const { privateKey, publicJwk } = await generateJwk('ES256', 'served')
    const server = await start({ keys: { keys: [publicJwk] } })
    const token = await new SignJWT({ sub: 'user' }).setProtectedHeader({ alg: 'ES256', kid: 'served' }).sign(privateKey)
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(server.url)))
    expect(payload.sub).toBe('user')
    expect(server.requests).toBe(1)
  })
})

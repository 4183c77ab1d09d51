// fetchJwks against a real JWKS server on 127.0.0.1: every way an endpoint fails is a JwksFetchError, within the deadline.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { fetchJwks, JwksFetchError, MAX_JWKS_BYTES, parseMaxAge, remainingLifetime } from '../../../lib/jwks/fetch.js'
import { generateJwk, startJwksServer, trapServer, type JwksServerOptions } from '../../support/jwks-server.js'
import { closedAfterEach } from '../../support/closed-after-each.js'
import { HANG_TIMEOUT_MS, PATIENT_MS } from '../../support/patience.js'

const track = closedAfterEach()
const serve = async (options: JwksServerOptions = {}) => track(await startJwksServer(options))

const { publicJwk } = await generateJwk('ES256', 'k1')
const JWKS = { keys: [publicJwk] }

async function failure(promise: Promise<unknown>): Promise<JwksFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof JwksFetchError)) throw new Error(`expected a JwksFetchError, got ${String(error)}`)
  return error
}

describe('fetchJwks', () => {
  it('returns the keys array, the status and no lifetime when the server sends no Cache-Control', async () => {
    const server = await serve({ keys: JWKS })
    const response = await fetchJwks(server.url, PATIENT_MS)
    expect(response).toEqual({ status: 200, jwks: { keys: [publicJwk] }, maxAgeSeconds: undefined })
    expect(server.requests).toBe(1)
  })

  it('returns the Cache-Control max-age as the lifetime', async () => {
    const server = await serve({ keys: JWKS, headers: { 'Cache-Control': 'public, max-age=600, must-revalidate' } })
    expect((await fetchJwks(server.url, PATIENT_MS)).maxAgeSeconds).toBe(600)
  })

  it('subtracts the Age a CDN reports from max-age', async () => {
    const server = await serve({ keys: JWKS, headers: { 'Cache-Control': 'max-age=600', Age: '550' } })
    expect((await fetchJwks(server.url, PATIENT_MS)).maxAgeSeconds).toBe(50)
  })

  it.each([
    [500, 'unexpected status'],
    [404, 'unexpected status'],
    [204, 'unexpected status'],
    [503, 'unexpected status'],
  ])('rejects HTTP %i as %s', async (status, reason) => {
    const server = await serve({ keys: JWKS, mode: { kind: 'status', status } })
    const error = await failure(fetchJwks(server.url, PATIENT_MS))
    expect(error.message).toBe(reason)
    expect(error.status).toBe(status)
  })

  it('rejects an HTML page served with 200', async () => {
    const server = await serve({ mode: { kind: 'html' } })
    expect((await failure(fetchJwks(server.url, PATIENT_MS))).message).toBe('body is not JSON')
  })

  it('rejects a truncated JSON body', async () => {
    const server = await serve({ mode: { kind: 'garbage' } })
    expect((await failure(fetchJwks(server.url, PATIENT_MS))).message).toBe('body is not JSON')
  })

  it('rejects JSON without a keys array', async () => {
    const server = await serve({ mode: { kind: 'noKeys' } })
    expect((await failure(fetchJwks(server.url, PATIENT_MS))).message).toBe('body has no keys array')
  })

  it('rejects a keys member that is not an array', async () => {
    const server = await serve({ keys: { keys: 'nope' } as unknown as { keys: object[] } })
    expect((await failure(fetchJwks(server.url, PATIENT_MS))).message).toBe('body has no keys array')
  })

  it('rejects a 5 MB body as too large', async () => {
    const server = await serve({ keys: JWKS, mode: { kind: 'huge', bytes: 5_000_000 } })
    const error = await failure(fetchJwks(server.url, PATIENT_MS))
    expect(error.message).toBe('response too large')
    expect(error.status).toBe(200)
  })

  it('cuts a never-ending body off at the cap while reading, instead of buffering it first', async () => {
    // 1 TB would never finish downloading (nor fit in memory): only a check made while reading can end this.
    const server = await serve({ keys: JWKS, mode: { kind: 'huge', bytes: 1e12 } })
    expect((await failure(fetchJwks(server.url, 10_000))).message).toBe('response too large')
  })

  it('refuses a body whose Content-Length already exceeds the cap without waiting for it', async () => {
    // Headers announce too much, then nothing follows: only the up-front check answers before the 10 s deadline.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_JWKS_BYTES + 1) })
      res.flushHeaders()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    track({
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    })
    const { port } = server.address() as AddressInfo
    expect((await failure(fetchJwks(`http://127.0.0.1:${port}/jwks.json`, 10_000))).message).toBe('response too large')
  })

  it('accepts a body just under the cap', async () => {
    const padding = 'x'.repeat(MAX_JWKS_BYTES - JSON.stringify(JWKS).length - 100)
    const server = await serve({ keys: { keys: [{ ...publicJwk, x_padding: padding }] } })
    expect((await fetchJwks(server.url, PATIENT_MS)).jwks.keys).toHaveLength(1)
  })

  it('times out on a server that accepts the request and never answers', async () => {
    const server = await serve({ mode: { kind: 'hang' } })
    const error = await failure(fetchJwks(server.url, 200))
    expect(error.message).toBe('timeout')
    expect(error.status).toBeUndefined()
  })

  it('times out on a body that trickles for a minute: the deadline covers the whole download', async () => {
    const server = await serve({ keys: JWKS, mode: { kind: 'trickle', intervalMs: 10, totalMs: 60_000 } })
    // Long enough for the status line to arrive first on a busy CPU; a minute of trickle still outlasts it.
    const error = await failure(fetchJwks(server.url, HANG_TIMEOUT_MS))
    expect(error.message).toBe('timeout')
    expect(error.status).toBe(200)
  })

  it('succeeds when a slow server answers within the timeout', async () => {
    const server = await serve({ keys: JWKS, mode: { kind: 'delay', ms: 50 } })
    expect((await fetchJwks(server.url, PATIENT_MS)).jwks.keys).toHaveLength(1)
  })

  it('refuses a redirect and never contacts its target', async () => {
    const trap = track(await trapServer())
    const server = await serve({ mode: { kind: 'redirect', location: trap.url } })
    const error = await failure(fetchJwks(server.url, PATIENT_MS))
    expect(error.message).toBe('redirect refused')
    expect(error.status).toBe(302)
    expect(trap.requests).toBe(0)
  })

  it('reports a refused connection as a connection failure', async () => {
    const server = await serve()
    const url = server.url
    await server.close()
    expect((await failure(fetchJwks(url, PATIENT_MS))).message).toBe('connection failed')
  })

  it('reports a plain-http server reached over https as a connection failure', async () => {
    const server = await serve({ keys: JWKS })
    expect((await failure(fetchJwks(server.url.replace('http:', 'https:'), PATIENT_MS))).message).toBe('connection failed')
  })
})

describe('parseMaxAge', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['max-age=600', 600],
    ['public, max-age=3600', 3600],
    ['MAX-AGE = 42', 42],
    ['max-age="120"', 120],
    ['s-maxage=100', undefined],
    ['s-maxage=100, max-age=7', 7],
    ['max-age=-5', undefined],
    ['max-age=abc', undefined],
    ['max-age=10x', undefined],
    ['no-cache', 0],
    ['no-store, max-age=600', 0],
    ['private, no-cache="set-cookie"', 0],
    ['max-age=99999999999', 99_999_999_999],
  ])('reads %j as %j', (header, expected) => {
    expect(parseMaxAge(header)).toBe(expected)
  })
})

describe('remainingLifetime', () => {
  it('is max-age when there is no Age header', () => {
    expect(remainingLifetime({ 'cache-control': 'max-age=300' })).toBe(300)
  })

  it('never goes below zero when Age exceeds max-age', () => {
    expect(remainingLifetime({ 'cache-control': 'max-age=300', age: '900' })).toBe(0)
  })

  it('ignores an Age header that is not a number', () => {
    expect(remainingLifetime({ 'cache-control': 'max-age=300', age: 'soon' })).toBe(300)
  })

  it('is undefined without Cache-Control, whatever the Age', () => {
    expect(remainingLifetime({ age: '10' })).toBeUndefined()
  })
})

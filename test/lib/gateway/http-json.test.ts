// The example functions' HTTP helpers: uncacheable JSON answers, headers in any case, the request path.
import { describe, expect, it } from 'vitest'
import { headerOf, jsonResponse, pathOf } from '../../../lib/gateway/http-json.js'

describe('http-json', () => {
  it('answers JSON that no browser or proxy caches', () => {
    expect(jsonResponse(201, { a: 1 })).toStrictEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"a":1}',
    })
  })

  it('reads a header in any case and ignores values that are not strings', () => {
    expect(headerOf({ headers: { 'X-Demo-User': 'alice' } }, 'x-demo-user')).toBe('alice')
    expect(headerOf({ headers: { 'x-demo-user': 'bob' } }, 'X-Demo-User')).toBe('bob')
    expect(headerOf({ headers: { 'x-demo-user': ['carol'] } }, 'x-demo-user')).toBeUndefined()
    expect(headerOf({ headers: null }, 'x-demo-user')).toBeUndefined()
    expect(headerOf(null, 'x-demo-user')).toBeUndefined()
  })

  it('takes the path from rawPath (HTTP API) or path (REST)', () => {
    expect(pathOf({ rawPath: '/cubejs-api/v1/meta', path: '/ignored' })).toBe('/cubejs-api/v1/meta')
    expect(pathOf({ path: '/whoami' })).toBe('/whoami')
    expect(pathOf({})).toBeUndefined()
  })
})

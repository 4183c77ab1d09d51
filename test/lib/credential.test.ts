// Unit tests for taking one credential per request: X-Cube-Authorization and Authorization must never disagree.
import { describe, expect, it } from 'vitest'
import { parseCredential, requestCredential } from '../../lib/credential.js'
import { ErrorCode } from '../../lib/errors.js'
import { codeOfThrow } from '../support/errors.js'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl'
const OTHER_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MiJ9.b3RoZXI'

const ambiguous = (headers: Record<string, unknown> | null, multi: Record<string, unknown> | null = null) =>
  codeOfThrow(() => requestCredential(headers, multi))

describe('one credential per request', () => {
  it.each([
    ['a constant placeholder', 'Bearer undefined'],
    ['a proxy\'s Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['another token', `Bearer ${OTHER_JWT}`],
    ['another bare token', OTHER_JWT],
    ['a malformed value', 'Bearer a b'],
  ])('refuses X-Cube-Authorization with an Authorization holding %s', (_what, authorization) => {
    expect(ambiguous({ 'X-Cube-Authorization': `Bearer ${JWT}`, Authorization: authorization })).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
  })

  it('compares credentials, not spellings: Bearer T and a bare T are one credential', () => {
    expect(requestCredential({ 'X-Cube-Authorization': JWT, Authorization: `Bearer ${JWT}` }, null)).toBe(JWT)
    expect(requestCredential({ 'x-cube-authorization': `bearer\t${JWT}`, authorization: ` ${JWT} ` }, null)).toBe(JWT)
  })

  it('lets a malformed X-Cube-Authorization fail as malformed when Authorization holds the very same text', () => {
    expect(ambiguous({ 'X-Cube-Authorization': 'Basic abc', Authorization: 'Basic abc' })).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('ignores a blank header on either side', () => {
    expect(requestCredential({ 'X-Cube-Authorization': ' ', Authorization: JWT }, null)).toBe(JWT)
    expect(requestCredential({ 'X-Cube-Authorization': JWT, Authorization: '' }, null)).toBe(JWT)
  })

  it('finds the disagreement across header name spellings and across headers and multiValueHeaders', () => {
    expect(ambiguous({ 'X-CUBE-AUTHORIZATION': JWT }, { authorization: [OTHER_JWT] })).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
    expect(ambiguous({ Authorization: OTHER_JWT }, { 'x-Cube-Authorization': [JWT] })).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
  })

  it('refuses a headers map and multiValueHeaders that disagree about one header', () => {
    expect(ambiguous({ Authorization: JWT }, { Authorization: [OTHER_JWT] })).toBe(ErrorCode.TOKEN_MALFORMED)
    expect(ambiguous({ 'X-Cube-Authorization': JWT }, { 'X-Cube-Authorization': [OTHER_JWT] })).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('refuses a comma-joined header (HTTP APIs join repeated headers with commas)', () => {
    expect(ambiguous({ authorization: `${JWT},${OTHER_JWT}` })).toBe(ErrorCode.TOKEN_MALFORMED)
    expect(ambiguous({ authorization: `Bearer ${JWT}, Bearer ${JWT}` })).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('accepts the same value repeated, in either map', () => {
    expect(requestCredential({ Authorization: `Bearer ${JWT}` }, { Authorization: [`Bearer ${JWT}`, `Bearer ${JWT}`] })).toBe(JWT)
  })

  it('never reads credentials from other headers, such as Cookie', () => {
    expect(requestCredential({ Cookie: `token=${JWT}`, 'X-Authorization': JWT }, null)).toBeUndefined()
  })

  it('parses a credential as Bearer or bare', () => {
    expect(parseCredential(`Bearer ${JWT}`)).toBe(JWT)
    expect(parseCredential(JWT)).toBe(JWT)
  })
})

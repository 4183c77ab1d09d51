// Mirrors lib/gateway/json-size.ts: the cheap bound must never be below the real UTF-8 size of the JSON, whatever the text.
import { describe, expect, it } from 'vitest'
import { jsonBytesAtMost } from '../../../lib/gateway/json-size.js'

const exactBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8')

/** Strings whose JSON grows the most per UTF-16 unit: escapes, lone surrogates, multi-byte UTF-8. */
const AWKWARD_STRINGS = [
  '',
  'plain',
  '"quoted" and \\ backslashed',
  '\u0000\u0001\u001f control characters',
  '\n\r\t\b\f',
  '\ud800 lone high, \udfff lone low',
  '\udfff\ud800',
  '€ three bytes',
  '😀 four bytes in two units',
  '\u2028\u2029 separators',
  '\u007f\u0080\u07ff\u0800\uffff',
  'ключ',
]

const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, -1e21, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324, 123456789012345680000, -1.2345678901234567e-7, Number.NaN, Number.POSITIVE_INFINITY]

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const kind = depth > 3 ? Math.floor(random() * 4) : Math.floor(random() * 6)
  switch (kind) {
    case 0:
      return pick(AWKWARD_STRINGS).repeat(1 + Math.floor(random() * 3))
    case 1:
      return pick(NUMBERS)
    case 2:
      return random() < 0.5
    case 3:
      return pick([null, undefined])
    case 4:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1))
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(AWKWARD_STRINGS), randomValue(random, depth + 1)]))
  }
}

describe('jsonBytesAtMost', () => {
  it.each(AWKWARD_STRINGS)('bounds the JSON of the string %j, alone, as a key and as a member', (text) => {
    for (const value of [text, { [text]: text }, [text, text], { key: [text], [text]: { [text]: null } }]) {
      expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(exactBytes(value))
    }
  })

  it.each(NUMBERS)('bounds the JSON of the number %d', (value) => {
    expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(exactBytes(value))
    expect(jsonBytesAtMost({ n: value, list: [value, value] })).toBeGreaterThanOrEqual(exactBytes({ n: value, list: [value, value] }))
  })

  it('bounds booleans, null and members that JSON leaves out or turns into null', () => {
    const value = { yes: true, no: false, none: null, gone: undefined, fn: () => 1, list: [undefined, () => 1, Symbol('s'), true] }
    expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(exactBytes(value))
  })

  it('bounds 2000 random nested values of awkward strings and numbers', () => {
    const random = generator(7)
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(random, 0)
      expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(exactBytes(value))
    }
  })

  it('bounds authorizer results of every shape it builds', () => {
    const context = { securityContext: JSON.stringify({ sub: 'ü"\\', roles: ['a'], n: 1.5 }), sub: 'ü"\\', n: 1.5, admin: true }
    const policyDocument = { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:1:a/b/*/*' }] }
    for (const result of [{ principalId: 'ü', policyDocument, context }, { principalId: 'u', policyDocument }, { isAuthorized: true, context }, { isAuthorized: false }]) {
      expect(jsonBytesAtMost(result)).toBeGreaterThanOrEqual(exactBytes(result))
    }
  })

  it('gives up (Infinity) on what JSON would not serialize member by member: toJSON and bigint', () => {
    expect(jsonBytesAtMost({ when: new Date(0) })).toBe(Number.POSITIVE_INFINITY)
    expect(jsonBytesAtMost({ big: 1n })).toBe(Number.POSITIVE_INFINITY)
  })
})

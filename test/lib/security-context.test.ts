// Unit tests for Cube's security context rules: claims namespace, JSON-string namespaces, legacy `u`, safe copying.
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../lib/errors.js'
import { codeOfThrow } from '../support/errors.js'
import { buildSecurityContext, safeCopy } from '../../lib/security-context.js'

const NS = 'https://cube.dev/claims'

/** Payloads come from JSON.parse in production, which makes `__proto__` an ordinary own key. */
const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>

function nested(depth: number): string {
  // `depth` levels of {"a": ...} around a leaf object: the leaf sits at nesting depth `depth`.
  return `${'{"a":'.repeat(depth)}{"leaf":true}${'}'.repeat(depth)}`
}

afterEach(() => {
  // A polluted prototype would leak into every later test: fail loudly and clean up.
  const proto = Object.prototype as Record<string, unknown>
  const polluted = ['polluted', 'isAdmin'].filter((key) => key in proto)
  for (const key of polluted) delete proto[key]
  expect(polluted).toEqual([])
})

describe('with a claims namespace', () => {
  it('uses the namespace object as the security context', () => {
    const payload = json(`{"sub":"u1","${NS}":{"tenantId":7,"roles":["admin"]}}`)
    expect(buildSecurityContext(payload, NS)).toEqual({ tenantId: 7, roles: ['admin'] })
  })

  it('parses a namespace that holds a JSON object as a string (cube-js/cube#4811)', () => {
    const payload = { sub: 'u1', [NS]: '{"tenantId":7,"region":"eu"}' }
    expect(buildSecurityContext(payload, NS)).toEqual({ tenantId: 7, region: 'eu' })
  })

  it('returns a copy, not the payload object itself', () => {
    const claims = { tenantId: 7 }
    const context = buildSecurityContext({ [NS]: claims }, NS)
    expect(context).toEqual(claims)
    expect(context).not.toBe(claims)
  })

  it.each([
    ['missing', {}],
    ['null', { [NS]: null }],
    ['an array', { [NS]: [{ tenantId: 7 }] }],
    ['a number', { [NS]: 7 }],
    ['a boolean', { [NS]: true }],
    ['a string that is not JSON', { [NS]: 'tenant-7' }],
    ['a JSON array string', { [NS]: '[{"tenantId":7}]' }],
    ['a JSON number string', { [NS]: '7' }],
    ['a JSON null string', { [NS]: 'null' }],
    ['an empty string', { [NS]: '' }],
  ])('is {} when the namespace is %s', (_name, payload) => {
    expect(buildSecurityContext({ sub: 'u1', ...payload }, NS)).toEqual({})
  })

  it('ignores the rest of the payload, including a legacy u', () => {
    expect(buildSecurityContext({ sub: 'u1', u: { admin: true }, [NS]: { tenantId: 7 } }, NS)).toEqual({ tenantId: 7 })
  })

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'])(
    'is {} when the namespace %s is only inherited, not the payload’s own property',
    (namespace) => {
      expect(buildSecurityContext(json('{"sub":"u1"}'), namespace)).toEqual({})
    },
  )

  it('ignores a namespace object that is only inherited through a polluted Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto[NS] = { tenantId: 'attacker', isAdmin: true }
    try {
      expect(buildSecurityContext(json('{"sub":"u1"}'), NS)).toEqual({})
      expect(buildSecurityContext(Object.create({ [NS]: { isAdmin: true } }) as Record<string, unknown>, NS)).toEqual({})
    } finally {
      delete proto[NS]
    }
  })

  it('drops forbidden keys inside the namespace object and inside a JSON-string namespace', () => {
    const payload = json(`{"${NS}":{"tenantId":7,"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}}`)
    expect(buildSecurityContext(payload, NS)).toEqual({ tenantId: 7 })
    const stringPayload = { [NS]: '{"tenantId":7,"__proto__":{"isAdmin":true},"nested":{"prototype":1,"ok":2}}' }
    const context = buildSecurityContext(stringPayload, NS)
    expect(context).toEqual({ tenantId: 7, nested: { ok: 2 } })
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })
})

describe('without a claims namespace', () => {
  it('uses a copy of the whole payload', () => {
    const payload = json('{"sub":"u1","iat":1700000000,"tenant":{"id":7}}')
    const context = buildSecurityContext(payload, undefined)
    expect(context).toEqual({ sub: 'u1', iat: 1_700_000_000, tenant: { id: 7 } })
    expect(context).not.toBe(payload)
    expect(context.tenant).not.toBe(payload.tenant)
  })

  it('merges a legacy u object on top and removes u', () => {
    const payload = json('{"sub":"u1","role":"viewer","u":{"role":"admin","userId":42}}')
    expect(buildSecurityContext(payload, undefined)).toEqual({ sub: 'u1', role: 'admin', userId: 42 })
  })

  it('does not touch the payload when merging u', () => {
    const payload = json('{"u":{"userId":42}}')
    buildSecurityContext(payload, undefined)
    expect(payload).toEqual({ u: { userId: 42 } })
  })

  it.each([
    ['a string', '"legacy"'],
    ['an array', '[1,2]'],
    ['null', 'null'],
  ])('keeps a u that is %s as an ordinary claim', (_name, u) => {
    expect(buildSecurityContext(json(`{"sub":"u1","u":${u}}`), undefined)).toEqual({ sub: 'u1', u: JSON.parse(u) as unknown })
  })

  it('drops forbidden keys from a legacy u before merging it', () => {
    const payload = json('{"sub":"u1","u":{"userId":42,"__proto__":{"isAdmin":true},"constructor":"x"}}')
    const context = buildSecurityContext(payload, undefined)
    expect(context).toEqual({ sub: 'u1', userId: 42 })
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype)
    expect(context.isAdmin).toBeUndefined()
  })
})

describe('prototype-safe copying', () => {
  it('drops __proto__, constructor and prototype keys at every level', () => {
    const payload = json(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":2,' +
        '"a":{"__proto__":{"polluted":1},"b":[{"constructor":1,"prototype":2,"__proto__":3,"keep":4}]},"keep":true}',
    )
    expect(Object.hasOwn(payload, '__proto__')).toBe(true)
    const context = buildSecurityContext(payload, undefined)
    expect(context).toEqual({ a: { b: [{ keep: 4 }] }, keep: true })
    expect(JSON.stringify(context)).toBe('{"a":{"b":[{"keep":4}]},"keep":true}')
  })

  it('never pollutes Object.prototype, even when the result is merged naively', () => {
    const context = buildSecurityContext(json('{"__proto__":{"polluted":"yes"},"u":{"__proto__":{"isAdmin":true}}}'), undefined)
    expect(Object.getPrototypeOf(context)).toBe(Object.prototype)
    expect(Object.hasOwn(context, '__proto__')).toBe(false)
    const merged = Object.assign({}, context)
    const deepMerged = JSON.parse(JSON.stringify(context)) as Record<string, unknown>
    expect([merged, deepMerged].every((o) => (o as Record<string, unknown>).polluted === undefined)).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it('builds plain objects and arrays only', () => {
    const copy = safeCopy(json('{"a":[{"b":1}],"c":{"d":null}}')) as { a: unknown[]; c: object }
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Array.isArray(copy.a)).toBe(true)
    expect(Object.getPrototypeOf(copy.c)).toBe(Object.prototype)
  })

  it('copies primitives as they are', () => {
    expect([safeCopy('s'), safeCopy(1), safeCopy(true), safeCopy(null), safeCopy(undefined)]).toEqual(['s', 1, true, null, undefined])
  })
})

describe('nesting limit', () => {
  it('accepts claims nested 64 levels deep', () => {
    const context = buildSecurityContext(json(nested(64)), undefined)
    let node: unknown = context
    for (let level = 0; level < 64; level++) node = (node as { a: unknown }).a
    expect(node).toEqual({ leaf: true })
  })

  it('rejects claims nested 65 levels deep as payload_invalid', () => {
    expect(codeOfThrow(() => buildSecurityContext(json(nested(65)), undefined))).toBe(ErrorCode.PAYLOAD_INVALID)
  })

  it('counts arrays as levels too', () => {
    const deepArray = JSON.parse(`${'['.repeat(65)}1${']'.repeat(65)}`) as unknown
    expect(codeOfThrow(() => buildSecurityContext({ a: deepArray }, undefined))).toBe(ErrorCode.PAYLOAD_INVALID)
  })

  it('applies the limit inside a namespace, including a JSON-string namespace', () => {
    expect(codeOfThrow(() => buildSecurityContext({ [NS]: json(nested(65)) }, NS))).toBe(ErrorCode.PAYLOAD_INVALID)
    expect(codeOfThrow(() => buildSecurityContext({ [NS]: nested(65) }, NS))).toBe(ErrorCode.PAYLOAD_INVALID)
  })

  it('rejects a cyclic structure instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(codeOfThrow(() => safeCopy(cyclic))).toBe(ErrorCode.PAYLOAD_INVALID)
  })
})

describe('given the JSON text the payload was just parsed from (the authorizer hands its payload over)', () => {
  const outcomeOf = (build: () => unknown) => {
    try {
      return { value: build() }
    } catch (error) {
      return { code: codeOfThrow(() => { throw error }) }
    }
  }

  const TEXTS: ReadonlyArray<readonly [string, string]> = [
    ['a flat payload', '{"sub":"u1","iat":1700000000,"tenant":"acme","admin":false}'],
    ['nested claims', `{"sub":"u1","${NS}":{"tenantId":7,"roles":["a","b"]},"x":[{"y":null}]}`],
    ['a legacy u object', '{"sub":"u1","role":"viewer","u":{"role":"admin","userId":42}}'],
    ['a legacy u that is not an object', '{"sub":"u1","u":"legacy"}'],
    ['__proto__ keys', '{"sub":"u1","__proto__":{"polluted":1},"a":{"__proto__":{"polluted":1}}}'],
    ['constructor and prototype keys', '{"constructor":{"prototype":{"polluted":1}},"prototype":2,"keep":true}'],
    ['a forbidden name inside a value only', '{"sub":"constructor","note":"__proto__ and prototype"}'],
    ['an escaped forbidden key', '{"\\u005f_proto__":{"polluted":1},"keep":1}'],
    ['other escapes', '{"sub":"line\\nbreak \\"quoted\\" \\u00e9"}'],
    ['a namespace holding JSON text', `{"${NS}":"{\\"tenantId\\":7,\\"__proto__\\":{\\"isAdmin\\":true}}"}`],
    ['a namespace holding empty JSON text', `{"${NS}":"{}"}`],
    ['duplicate members', '{"a":1,"a":2,"u":{"b":1},"u":{"c":2}}'],
    ['integer-like keys', '{"b":1,"2":2,"1":{"0":0}}'],
    ['64 levels of nesting', nested(63)],
    ['65 levels of nesting', nested(64)],
    ['66 levels of nesting', nested(65)],
    ['deep arrays', `{"a":${'['.repeat(66)}1${']'.repeat(66)}}`],
    ['brackets inside strings only', `{"a":"${'{['.repeat(70)}"}`],
    ['an empty payload', '{}'],
  ]

  it.each(TEXTS)('builds the same context as the copying path, or fails alike, for %s', (_name, text) => {
    for (const namespace of [undefined, NS, 'missing']) {
      const handedOver = outcomeOf(() => buildSecurityContext(json(text), namespace, text))
      const copied = outcomeOf(() => buildSecurityContext(json(text), namespace))
      expect(handedOver, String(namespace)).toEqual(copied)
      if ('value' in handedOver) expect(JSON.stringify(handedOver.value)).toBe(JSON.stringify(copied.value))
    }
  })

  it('uses the payload itself when the text shows a copy would change nothing', () => {
    const text = TEXTS[0]?.[1] ?? ''
    const payload = json(text)
    expect(buildSecurityContext(payload, undefined, text)).toBe(payload)
  })

  it.each(TEXTS.filter(([name]) => /__proto__|constructor|forbidden|escape|65|66|deep arrays/.test(name)))(
    'copies rather than trusting a payload with %s',
    (_name, text) => {
      const payload = json(text)
      const context = outcomeOf(() => buildSecurityContext(payload, undefined, text))
      if ('value' in context) expect(context.value).not.toBe(payload)
    },
  )

  it('never changes the payload it was given when it merges a legacy u', () => {
    const text = '{"sub":"u1","role":"viewer","u":{"role":"admin","userId":42}}'
    const payload = json(text)
    const context = buildSecurityContext(payload, undefined, text)
    expect(context).toEqual({ sub: 'u1', role: 'admin', userId: 42 })
    expect(payload).toEqual(json(text))
  })
})

// The shape other parts of the world rely on: one self-contained ESM file exporting handler, no top-level await, SDK lazy.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const BUNDLE = new URL('../../dist/authorizer.mjs', import.meta.url)

describe('dist/authorizer.mjs', () => {
  it('exports a handler function and nothing else', async () => {
    const module = (await import(BUNDLE.href)) as Record<string, unknown>
    expect(Object.keys(module)).toEqual(['handler'])
    expect(typeof module.handler).toBe('function')
  })

  it('has no top-level await, so it can be loaded synchronously', () => {
    // require() of an ES module fails with ERR_REQUIRE_ASYNC_MODULE when the module uses top-level await.
    const required = createRequire(import.meta.url)(BUNDLE.pathname) as Record<string, unknown>
    expect(typeof required.handler).toBe('function')
  })

  it('imports only Node built-ins statically; the AWS SDK is reached only through a dynamic import', async () => {
    const source = await readFile(BUNDLE, 'utf8')
    const staticImports = [...source.matchAll(/(?:^|[;\s}])import\s*(?:[^"'();]*?\bfrom\s*)?["']([^"']+)["']/g)].map((m) => m[1])
    expect(staticImports.length).toBeGreaterThan(0)
    expect(staticImports.every((specifier) => specifier?.startsWith('node:'))).toBe(true)
    const dynamicImports = [...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])
    expect(dynamicImports).toHaveLength(1)
    expect(dynamicImports[0]).toMatch(/^\.\/chunks\/ssm-client-[A-Z0-9]+\.mjs$/)
  })

  it('ships a source map beside it', async () => {
    const map = JSON.parse(await readFile(new URL('../../dist/authorizer.mjs.map', import.meta.url), 'utf8')) as { sources: string[] }
    expect(map.sources.some((source) => source.endsWith('handlers/authorizer.ts'))).toBe(true)
  })
})

// The manual stays complete: docs/settings.md documents every setting the authorizer reads, and README links every guide.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENV_ONLY_SETTINGS, SECRET_SETTINGS } from '../../../lib/settings/env.js'

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')
const REFERENCE = read('docs/settings.md')
const README = read('README.md')
const SETTINGS: readonly string[] = [...SECRET_SETTINGS, ...ENV_ONLY_SETTINGS]

/** Setting names that open a table row: the reference's own entries, not mentions in prose. */
const rowNames = (text: string) => [...text.matchAll(/^\| `((?:CUBEJS|AUTHORIZER)_[A-Z_]+)`/gm)].map((match) => match[1])

describe('docs/settings.md, the settings reference', () => {
  it('has a row for every setting the authorizer reads', () => {
    const documented = new Set(rowNames(REFERENCE))
    expect(SETTINGS.filter((name) => !documented.has(name))).toEqual([])
  })

  it('has no row for a setting the authorizer does not read', () => {
    expect(rowNames(REFERENCE).filter((name) => name !== undefined && !SETTINGS.includes(name))).toEqual([])
  })
})

describe('README.md, the front door', () => {
  it('links every guide in docs/', () => {
    const guides = readdirSync(new URL('../../../docs/', import.meta.url)).filter((file) => file.endsWith('.md'))
    expect(guides.length).toBeGreaterThan(5)
    expect(guides.filter((file) => !README.includes(`](docs/${file})`))).toEqual([])
  })

  it('stays under 300 lines', () => {
    expect(README.split('\n').length).toBeLessThan(300)
  })
})

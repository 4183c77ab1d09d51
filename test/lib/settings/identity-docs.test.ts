// docs/identity-providers.md stays true: every setting and reason code of issue 14 has its row, and nothing else does.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENV_ONLY_SETTINGS } from '../../../lib/settings/env.js'
import { ErrorCode } from '../../../lib/errors.js'

const DOC = readFileSync(new URL('../../../docs/identity-providers.md', import.meta.url), 'utf8')
const SETTINGS = [
  'AUTHORIZER_TOKEN_USE',
  'AUTHORIZER_COGNITO_USER_POOL',
  'AUTHORIZER_OIDC_ISSUER',
  'AUTHORIZER_OIDC_ISSUERS',
  'AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST',
  'AUTHORIZER_MAX_TOKEN_AGE_SECONDS',
  'AUTHORIZER_TOKEN_QUERY_PARAM',
  'AUTHORIZER_TOKEN_COOKIE',
] as const
const REASONS = [ErrorCode.IAT_REQUIRED, ErrorCode.TOKEN_TOO_OLD, ErrorCode.TOKEN_USE_MISMATCH, ErrorCode.OIDC_DISCOVERY_FAILED]

/** The first cells of the table rows under a heading, without backticks. */
function firstCells(heading: string): string[] {
  const section = DOC.split(`\n${heading}\n`)[1]?.split('\n## ')[0] ?? ''
  return section.split('\n').filter((line) => /^\| `/.test(line)).map((line) => line.split('|')[1]?.trim().replace(/`/g, '') ?? '')
}

describe('docs/identity-providers.md', () => {
  it('lists exactly the identity-provider settings in its Settings table, each with an example', () => {
    expect(firstCells('## Settings')).toEqual([...SETTINGS])
    for (const setting of SETTINGS) {
      expect((ENV_ONLY_SETTINGS as readonly string[]).includes(setting), setting).toBe(true)
      expect(DOC).toContain(`| \`${setting}=`)
    }
  })

  it('explains every new reason code', () => {
    const rows = firstCells('## Reason codes and log lines')
    for (const reason of REASONS) expect(rows, reason).toContain(reason)
  })
})

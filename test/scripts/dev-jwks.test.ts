// `npm run token -- --alg ES256` and `npm run dev:jwks`: a dev key pair made on first use, its JWKS, and our authorizer.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from '../support/bundle-runner.js'
import { PATIENT_JWKS } from '../support/patience.js'
import { projectCopy, run, start, type Running } from '../support/processes.js'
import { restTokenEvent } from '../support/tokens.js'

let project: Awaited<ReturnType<typeof projectCopy>>
let jwks: Running | undefined

beforeAll(async () => {
  project = await projectCopy()
})
afterEach(() => jwks?.kill())
afterAll(async () => project?.cleanup())

const npm = (...args: string[]) => run('npm', ['run', '-s', ...args], { cwd: project.dir, env: project.env })
const settingIn = (text: string, name: string) => new RegExp(`export ${name}=(\\S+)`).exec(text)?.[1] ?? ''

describe('dev key pairs, dev tokens and the dev JWKS', () => {
  it('signs with a key pair made on first use in .dev-keys/, with kid, iss and aud, and the same key next time', async () => {
    const first = await npm('token', '--', '--alg', 'ES256', '--sub', 'alice')
    const second = await npm('token', '--', '--alg', 'ES256', '--sub', 'bob')
    expect([first.code, second.code]).toStrictEqual([0, 0])
    const [a, b] = [first.stdout.trim(), second.stdout.trim()]
    expect(decodeProtectedHeader(a)).toMatchObject({ alg: 'ES256', kid: expect.stringMatching(/^dev-es256-/) })
    expect(decodeProtectedHeader(b).kid).toBe(decodeProtectedHeader(a).kid)
    expect(decodeJwt(a)).toMatchObject({ sub: 'alice', iss: 'https://dev-issuer.cube-jwt-authorizer.invalid/', aud: 'cube-api-dev' })
    expect(await readdir(join(project.dir, '.dev-keys'))).toStrictEqual(['ES256.private.jwk.json'])
    // A private key: readable by its owner only.
    expect((await stat(join(project.dir, '.dev-keys/ES256.private.jwk.json'))).mode & 0o077).toBe(0)
  })

  it.each(['RS256', 'ES256', 'EdDSA'])('lets our authorizer verify a %s dev token against `npm run dev:jwks`, with the settings it prints', async (alg) => {
    jwks = await start('npm', ['run', 'dev:jwks', '--', '--port', '0'], { cwd: project.dir, env: project.env, ready: /Ctrl-C stops/ })
    const printed = jwks.output().stdout
    const settings = { CUBEJS_JWK_URL: settingIn(printed, 'CUBEJS_JWK_URL'), CUBEJS_JWT_ISSUER: settingIn(printed, 'CUBEJS_JWT_ISSUER'), CUBEJS_JWT_AUDIENCE: settingIn(printed, 'CUBEJS_JWT_AUDIENCE') }
    expect(settings.CUBEJS_JWK_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/)
    const jwksBody = (await (await fetch(settings.CUBEJS_JWK_URL)).json()) as { keys: Array<Record<string, unknown>> }
    expect(jwksBody.keys.map((k) => k.alg)).toStrictEqual(['RS256', 'ES256', 'EdDSA'])
    for (const key of jwksBody.keys) expect(Object.keys(key)).not.toContain('d')

    const minted = await npm('token', '--', '--alg', alg, '--sub', 'carol')
    const token = minted.stdout.trim()
    const run = await runBundle({ ...settings, ...PATIENT_JWKS }, [restTokenEvent(`Bearer ${token}`), restTokenEvent(`Bearer ${token}x`)])
    expect(run.outcomes.map((o) => (o.ok ? (o.result as { principalId: string }).principalId : o.error.message))).toStrictEqual(['carol', 'Unauthorized'])
    expect(run.logs.find((line) => line.message === 'decision')).toMatchObject({ outcome: 'allow', alg, kid: decodeProtectedHeader(token).kid })

    process.kill(jwks.child.pid ?? 0, 'SIGTERM')
    expect(await jwks.exited).toBe(0)
  })

  it('refuses an algorithm it has no dev key for', async () => {
    const finished = await npm('token', '--', '--alg', 'PS256')
    expect(finished.code).toBe(2)
    expect(finished.stderr).toContain('--alg must be one of HS256, HS384, HS512, RS256, ES256, EdDSA')
  })
})

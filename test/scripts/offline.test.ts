// `npm run offline` (scripts/offline.mjs): SIGTERM to the npm process and Ctrl-C both stop serverless-offline and free its ports.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../serverless/support/serverless.js'
import { portIsFree, projectCopy, start, type Running } from '../support/processes.js'
import { hs256, withBadSignature } from '../support/tokens.js'

const SECRET = 'offline-launcher-secret-3f9a0d6c2b71e584'
let project: Awaited<ReturnType<typeof projectCopy>>
let running: Running | undefined

beforeAll(async () => {
  project = await projectCopy()
})
afterEach(() => running?.kill())
afterAll(async () => project?.cleanup())

async function startOffline(): Promise<{ offline: Running; url: string; ports: number[] }> {
  const ports = [await freePort(), await freePort()]
  const offline = await start('npm', ['run', 'offline', '--', '--httpPort', String(ports[0]), '--lambdaPort', String(ports[1])], {
    cwd: project.dir,
    env: { ...project.env, CUBEJS_API_SECRET: SECRET },
    ready: /Server ready: (http:\/\/\S+)/,
  })
  running = offline
  return { offline, url: String(offline.ready[1]), ports }
}

describe('npm run offline', () => {
  it('stops serverless-offline on SIGTERM to the npm process, and its ports are free once npm has exited', async () => {
    const { offline, url, ports } = await startOffline()
    const token = await hs256(SECRET, { sub: 'alice' })
    expect((await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${withBadSignature(token)}` } })).status).toBe(401)

    process.kill(offline.child.pid ?? 0, 'SIGTERM')
    expect(await offline.exited).toBe(0)
    expect(await Promise.all(ports.map(portIsFree))).toStrictEqual([true, true])
  })

  it('stops on Ctrl-C (SIGINT to the whole process group) and frees its ports', async () => {
    const { offline, ports } = await startOffline()
    process.kill(-(offline.child.pid ?? 0), 'SIGINT')
    await offline.exited
    expect(await Promise.all(ports.map(portIsFree))).toStrictEqual([true, true])
  })

  it("turns each 401's 'Unhandled exception' and stack trace into one line, and keeps other lines", async () => {
    const { offline, url } = await startOffline()
    expect((await fetch(`${url}/v2/whoami`, { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401)
    process.kill(offline.child.pid ?? 0, 'SIGTERM')
    await offline.exited
    const { stdout, stderr } = offline.output()
    expect(stderr).toContain("authorizer: 401 Unauthorized (the authorizer's answer to this request; the decision log line says why)")
    expect(stderr).toContain('Running Authorization function for get /v2/whoami (λ: authorizer)')
    expect(stderr).not.toContain('Unhandled exception')
    expect(stderr).not.toMatch(/^\s+at /m)
    expect(stdout).toContain('"reason":"token_malformed"')
  })
})

// `npm run invoke` as a user types it: the token as a positional argument, with and without `--`, and never a false Allow.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectCopy, run, type Finished } from '../support/processes.js'
import { hs256 } from '../support/tokens.js'

const SECRET = 'invoke-script-secret-5b0e7c1d93a2f46e81'
let project: Awaited<ReturnType<typeof projectCopy>>
let token: string

const npm = (...args: string[]): Promise<Finished> => run('npm', ['run', '-s', 'invoke', ...args], { cwd: project.dir, env: { ...project.env, CUBEJS_API_SECRET: SECRET } })
/** The script alone, on the dist/ the first npm run built: for the cases npm plays no part in. */
const node = (...args: string[]): Promise<Finished> => run(process.execPath, ['scripts/invoke.mjs', ...args], { cwd: project.dir, env: { ...project.env, CUBEJS_API_SECRET: SECRET } })
const resultOf = (finished: Finished) => JSON.parse(finished.stdout.slice(finished.stdout.indexOf('\n{') + 1)) as Record<string, unknown>

beforeAll(async () => {
  project = await projectCopy()
  token = await hs256(SECRET, { sub: 'alice', tenant: 'acme' })
})
afterAll(async () => project?.cleanup())

describe('npm run invoke <event> <token>', () => {
  it('uses a token given as the second argument without `--`, and says so on stderr', async () => {
    const finished = await npm('events/http-api-v2.json', token)
    expect(finished.code).toBe(0)
    expect(resultOf(finished)).toMatchObject({ principalId: 'alice', context: { tenant: 'acme' } })
    expect(finished.stderr).toMatch(/^invoke: token from the command line/m)
  })

  it('uses a token given after `--` the same way, and a tampered one is a 401 with exit code 1', async () => {
    const finished = await npm('--', 'events/http-api-v2.json', `${token}x`)
    expect(finished.code).toBe(1)
    expect(resultOf(finished)).toStrictEqual({ error: 'Unauthorized', apiGatewayStatus: 401 })
    expect(finished.stderr).toMatch(/^invoke: token from the command line/m)
  })

  it('refuses to run when npm swallowed --token (no `--`), instead of allowing the sample token', async () => {
    const finished = await npm('events/http-api-v2.json', '--token', `${token}x`)
    expect(finished.code).toBe(2)
    expect(finished.stdout).toBe('')
    expect(finished.stderr).toContain('npm took --token for its own option')
    expect(finished.stderr).toContain('npm run invoke events/<file>.json "$TOKEN"')
  })

  it('refuses --token after `--` too, pointing at the positional argument', async () => {
    const finished = await npm('--', 'events/http-api-v2.json', '--token', token)
    expect(finished.code).toBe(2)
    expect(finished.stdout).toBe('')
    expect(finished.stderr).toContain('--token is not an option: pass the token as the second argument')
  })
})

describe('scripts/invoke.mjs', () => {
  it("says when it uses the sample event's own token (signed with another secret here: 401)", async () => {
    await npm('events/rest-token.json', token) // builds dist/ in the copy for the runs below
    const finished = await node('events/rest-token.json')
    expect(finished.stderr).toMatch(/^invoke: token from events\/rest-token\.json \(the sample's own token/m)
    expect(resultOf(finished)).toStrictEqual({ error: 'Unauthorized', apiGatewayStatus: 401 })
  })

  it.each([
    [['--frob', 'events/rest-token.json'], 'invoke: unknown option --frob'],
    [['events/rest-token.json', 'a', 'b'], 'invoke: expected an event file and at most one token, got 3 arguments (quote the token)'],
    [['events/rest-token.json', ' '], 'invoke: the token argument is empty (is the variable you passed set?)'],
    [[], 'invoke: no event file given'],
    [['events/nope.json'], 'invoke: cannot read events/nope.json: no such file'],
    [['events/whoami-rest.json', 'abc'], 'invoke: events/whoami-rest.json has no Authorization header or authorizationToken to put the token in'],
  ])('answers %j with one line on stderr, exit code 2 and no stack trace', async (args, line) => {
    const finished = await node(...args)
    expect(finished.code).toBe(2)
    expect(finished.stdout).toBe('')
    expect(finished.stderr.split('\n')[0]).toBe(line)
    expect(finished.stderr).not.toMatch(/^\s+at /m)
  })

  it('reports bad JSON in one line, naming the file', async () => {
    await writeFile(join(project.dir, 'events/broken.json'), '{"type": "TOKEN",')
    const finished = await node('events/broken.json')
    expect(finished.code).toBe(2)
    expect(finished.stderr).toMatch(/^invoke: events\/broken\.json is not valid JSON: .+\n$/)
  })
})

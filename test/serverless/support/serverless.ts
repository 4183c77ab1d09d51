// Runs the Serverless Framework v3 CLI as users do (node + its bin, no AWS credentials, no network) and serverless-offline.
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
/** The binary's own node entry point: a signal to this process stops serverless itself (npx would orphan it). */
export const SLS_BIN = join(ROOT, 'node_modules/serverless/bin/serverless.js')
/** The compiled config-schema validator (~2 s to build) is content-addressed and written atomically, so runs share it. */
const SCHEMA_CACHE_DIR = join(tmpdir(), 'cube-jwt-authorizer-sls-schema-cache')
/** Catches a hung CLI, not a slow one: a framework start-up takes seconds alone and far longer on a busy CPU. */
const CLI_TIMEOUT_MS = 240_000

export interface SlsRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A fresh HOME (no ~/.aws, no ~/.serverlessrc), no AWS_* variables from the caller, telemetry and notifications off. */
export async function isolatedEnv(extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'sls-home-'))
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    SLS_SCHEMA_CACHE_BASE_DIR: SCHEMA_CACHE_DIR,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  }
  return { env, cleanup: () => rm(home, { recursive: true, force: true }) }
}

export function runServerless(args: readonly string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<SlsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLS_BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? CLI_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/**
 * The service as a user's checkout has it (serverless.yml, package.json, events/, the built dist/), in a temporary
 * directory: a concurrent `npm run build` (which empties dist/) cannot pull files from under a running test.
 */
export async function serviceCopy(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sls-service-'))
  for (const file of ['serverless.yml', 'package.json']) await cp(join(ROOT, file), join(dir, file))
  for (const folder of ['dist', 'events']) await cp(join(ROOT, folder), join(dir, folder), { recursive: true })
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  await mkdir(join(dir, '.serverless'), { recursive: true })
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface Offline {
  readonly url: string
  /** Everything serverless-offline and the handlers wrote so far (handlers log to stdout, offline to stderr). */
  output(): { stdout: string; stderr: string }
  stop(): Promise<void>
}

const READY = /Server ready: (http:\/\/\S+)/

/** Starts `serverless offline start` and resolves once its readiness line (on stderr) names the URL. */
export async function startOffline(options: { cwd: string; env: Record<string, string>; args?: readonly string[]; timeoutMs?: number }): Promise<Offline> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()]
  const args = [SLS_BIN, 'offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), ...(options.args ?? [])]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    }
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup()
      child.kill('SIGKILL')
      reject(new Error(`${reason}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }
    const onData = () => {
      const match = READY.exec(stderr)
      if (match?.[1] === undefined) return
      cleanup()
      resolve(match[1])
    }
    const onExit = (code: number | null) => fail(`serverless-offline exited early (${String(code)})`)
    const timer = setTimeout(() => fail('serverless-offline did not become ready'), options.timeoutMs ?? CLI_TIMEOUT_MS)
    function cleanup() {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
  return { url, output: () => ({ stdout, stderr }), stop }
}

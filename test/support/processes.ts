// The project's npm scripts as a user runs them: in a copy of the project, as child processes, with their output kept.
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const COPIED = ['package.json', 'serverless.yml', 'tsconfig.json', 'scripts', 'handlers', 'lib', 'events', 'test/support/ssm-server.mjs']
// Catches a hung tool, not a slow one (a busy CPU may take many times as long as an idle one).
const HANG_MS = 90_000

/**
 * The project in a temporary directory (node_modules linked): `npm run invoke` and `npm run offline` rebuild dist/,
 * which must not happen under the suite's own e2e tests; dev keys and dev parameters land there, not in the checkout.
 */
export async function projectCopy(): Promise<{ dir: string; env: Record<string, string>; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cube-authorizer-project-'))
  for (const path of COPIED) await cp(join(ROOT, path), join(dir, path), { recursive: true })
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  await mkdir(join(dir, 'home'))
  // Only what npm and the Framework need: no CUBEJS_*, AWS_* or npm_config_* of the shell running the suite.
  const env = { PATH: process.env.PATH ?? '', HOME: join(dir, 'home'), SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_EC2_METADATA_DISABLED: 'true' }
  return { dir, env, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end. */
export function run(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface Running {
  readonly child: ChildProcess
  /** The match of `ready` in the output, once it appeared. */
  readonly ready: RegExpExecArray
  output(): { stdout: string; stderr: string }
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>
  /** SIGKILLs the whole process group if it is still running (for cleanup after a failed test). */
  kill(): void
}

/** Starts a long-running command in its own process group and resolves once `ready` matches stdout or stderr. */
export async function start(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; ready: RegExp }): Promise<Running> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? String(signal))))
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const match = options.ready.exec(stdout) ?? options.ready.exec(stderr)
      if (match === null) return
      finish()
      resolve(match)
    }
    const early = (code: number | null) => {
      finish()
      reject(new Error(`${command} ${args.join(' ')} exited early (${String(code)})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }
    const timer = setTimeout(() => {
      finish()
      kill()
      reject(new Error(`${command} ${args.join(' ')} never printed ${String(options.ready)}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }, HANG_MS)
    function finish() {
      clearTimeout(timer)
      child.stdout?.off('data', check)
      child.stderr?.off('data', check)
      child.off('exit', early)
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    child.once('exit', early)
  })
  return { child, ready, output: () => ({ stdout, stderr }), exited, kill }
}

/** Whether nothing listens on 127.0.0.1:port (binding it succeeds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

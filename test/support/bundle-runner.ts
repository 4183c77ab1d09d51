// Runs dist/authorizer.mjs in a fresh Node process (a cold start) via run-bundle.mjs and keeps everything it printed.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RUNNER = fileURLToPath(new URL('./run-bundle.mjs', import.meta.url))
const RESULT_PREFIX = '@@result '
const NODE_PREFIX = '@@node '
const RUN_TIMEOUT_MS = 15_000

export type BundleOutcome = { index: number; ok: true; result: unknown } | { index: number; ok: false; error: { type: string; message: string } }

export interface BundleRun {
  readonly outcomes: BundleOutcome[]
  /** process.version of the child that ran the bundle, e.g. v24.11.0. */
  readonly nodeVersion: string
  /** The authorizer's own stdout lines, parsed: every line but the runner's own (@@result, @@node) must be JSON. */
  readonly logs: Array<Record<string, unknown>>
  /** The same lines as text. */
  readonly logOutput: string
  readonly stderr: string
  /** Everything the child wrote, result lines included, for leak checks. */
  readonly output: string
}

/**
 * The child runs on the Node running the tests (process.execPath), not on whatever `node` PATH finds first. Only PATH
 * is inherited, so no CUBEJS_* of the developer's shell can leak into (or out of) the run; `env` is applied
 * before the bundle is imported. Asynchronous on purpose: test servers (JWKS, SSM) live in this process and must keep
 * answering while the child runs.
 */
export function runBundle(env: Record<string, string>, events: unknown[], { concurrent = false } = {}): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`bundle runner exited with ${String(code)}: ${stderr}`))
      const lines = stdout.split('\n').filter((line) => line !== '')
      const outcomes = lines.filter((line) => line.startsWith(RESULT_PREFIX)).map((line) => JSON.parse(line.slice(RESULT_PREFIX.length)) as BundleOutcome)
      const nodeVersion = lines.find((line) => line.startsWith(NODE_PREFIX))?.slice(NODE_PREFIX.length) ?? ''
      const logLines = lines.filter((line) => !line.startsWith(RESULT_PREFIX) && !line.startsWith(NODE_PREFIX))
      resolve({
        outcomes,
        nodeVersion,
        logs: logLines.map((line) => JSON.parse(line) as Record<string, unknown>),
        logOutput: logLines.join('\n'),
        stderr,
        output: stdout + stderr,
      })
    })
    child.stdin.end(JSON.stringify({ env, events, concurrent }))
  })
}

// Runs dist/authorizer.mjs in a fresh Node process (a cold start) via run-bundle.mjs and keeps everything it printed.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RUNNER = fileURLToPath(new URL('./run-bundle.mjs', import.meta.url))
const RESULT_PREFIX = '@@result '
const RUN_TIMEOUT_MS = 15_000

export type BundleOutcome = { index: number; ok: true; result: unknown } | { index: number; ok: false; error: { type: string; message: string } }

export interface BundleRun {
  readonly outcomes: BundleOutcome[]
  /** What the authorizer itself wrote to stdout: every line but the runner's result lines. */
  readonly logOutput: string
  readonly stderr: string
}

/** Only PATH is inherited, so no CUBEJS_* of the developer's shell can leak into (or out of) the run. */
export function runBundle(env: Record<string, string>, events: unknown[]): Promise<BundleRun> {
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
      if (code !== 0) return reject(new Error(`bundle runner exited with ${String(code)}`))
      const lines = stdout.split('\n').filter((line) => line !== '')
      const outcomes = lines.filter((line) => line.startsWith(RESULT_PREFIX)).map((line) => JSON.parse(line.slice(RESULT_PREFIX.length)) as BundleOutcome)
      const logOutput = lines.filter((line) => !line.startsWith(RESULT_PREFIX)).join('\n')
      resolve({ outcomes, logOutput, stderr })
    })
    child.stdin.end(JSON.stringify({ env, events, concurrent: false }))
  })
}

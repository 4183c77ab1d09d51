// Builds dist/authorizer.mjs before the suites when it is missing; `npm test` has already built it (pretest).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export default function setup(): void {
  if (existsSync(new URL('../dist/authorizer.mjs', import.meta.url))) return
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
}

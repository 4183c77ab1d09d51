// Which Node binary the cold-start children run on: the bench's own, a path, or a version fetched once from the npm
// registry (`npx -y node@<major>`, into npm's cache outside the project), so section 3 can measure Lambda's Node.
import { execFileSync } from 'node:child_process'

const run = (file, args) => execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()

/** `spec`: undefined (this process's node), a path to a node binary, or a version range such as `24`. */
export function resolveColdNode(spec) {
  if (spec === undefined || spec === '') return { path: process.execPath, version: process.version }
  // Resolved once: the `node` package's binary sits in npx's cache, so every child spawns it directly (no npx per run).
  const path = spec.includes('/') ? spec : run('npx', ['-y', `node@${spec}`, '-p', 'process.execPath'])
  return { path, version: run(path, ['-p', 'process.version']) }
}

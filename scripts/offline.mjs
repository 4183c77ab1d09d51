#!/usr/bin/env node
// npm run offline: builds dist/, runs `serverless offline start`, and on Ctrl-C or SIGTERM stops it and waits for it.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The Framework's own entry point (not npx, whose signals would not reach it), whichever package provides it. */
function serverlessBin() {
  const manifest = join(ROOT, 'node_modules/serverless/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'))
  const entry = typeof bin === 'string' ? bin : bin.serverless ?? bin.sls ?? Object.values(bin)[0]
  return join(dirname(manifest), entry)
}

await import('./build.mjs')

const child = spawn(process.execPath, [serverlessBin(), 'offline', 'start', '--param=demoLogin=true', ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'pipe'],
  env: {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // Stack frames of the minified bundle point at lib/*.ts lines instead (dist/ has source maps).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --enable-source-maps`.trim(),
    ...(process.stderr.isTTY && process.env.NO_COLOR === undefined && { FORCE_COLOR: '1' }),
  },
})

// serverless-offline logs every error a handler throws as an "Unhandled exception", with its stack: for an
// authorizer's `Unauthorized` (the 401 answer, not a failure) that is five noisy lines; this makes it one.
const ANSI = /\x1b\[[0-9;]*m/g
const lines = createInterface({ input: child.stderr, crlfDelay: Infinity })
let pending // the "Unhandled exception" line, held until the next line shows what was thrown
let skipping = false
lines.on('line', (line) => {
  const plain = line.replace(ANSI, '')
  if (skipping) {
    if (/^\s+at /.test(plain) || /^\W*Unauthorized$/.test(plain.trim())) return
    skipping = false
  }
  if (pending !== undefined) {
    const held = pending
    pending = undefined
    const fn = /Unhandled exception in handler '([^']+)'/.exec(held.replace(ANSI, ''))?.[1]
    if (/Error: Unauthorized$/.test(plain)) {
      process.stderr.write(`${fn}: 401 Unauthorized (the authorizer's answer to this request; the decision log line says why)\n`)
      skipping = true
      return
    }
    process.stderr.write(`${held}\n`)
  }
  if (/Unhandled exception in handler '/.test(plain)) {
    pending = line
    return
  }
  process.stderr.write(`${line}\n`)
})
lines.on('close', () => {
  if (pending !== undefined) process.stderr.write(`${pending}\n`)
})

// Ctrl-C reaches the whole process group, so serverless has it already; SIGTERM (kill, npm stopping its script) only
// reaches this process. Forwarding both is safe: serverless-offline halts once, however many signals arrive.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  })
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)
})

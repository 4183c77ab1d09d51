// Structured JSON log lines; callers pass only codes, names and numbers, never token, secret or claim values.

export const LogLevel = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel]

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/** One JSON object per line on stdout; Lambda ships each line to CloudWatch Logs as one event. */
export function jsonLogger(
  minLevel: LogLevel = LogLevel.INFO,
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => number = Date.now,
): Logger {
  const time = isoClock(now)
  return {
    log(level, message, fields) {
      if (RANK[level] < RANK[minLevel]) return
      // The fixed members come first; a field of the same name never replaces their values (log filters rely on them).
      const head = `{"level":${JSON.stringify(level)},"time":"${time()}","message":${JSON.stringify(message)}`
      if (fields === undefined) return write(`${head}}\n`)
      if (Object.hasOwn(fields, 'level') || Object.hasOwn(fields, 'time') || Object.hasOwn(fields, 'message')) {
        const line: Record<string, unknown> = { level, time: '', message, ...fields }
        line.level = level
        line.time = time()
        line.message = message
        return write(`${JSON.stringify(line)}\n`)
      }
      // This runs on every decision: one serialization of the fields, joined to the fixed members, copies nothing.
      const body = JSON.stringify(fields)
      write(body === '{}' ? `${head}}\n` : `${head},${body.slice(1)}\n`)
    },
  }
}

/** `now()` as an ISO string; many lines share a millisecond when warm, so the formatting is done once per millisecond. */
function isoClock(now: () => number): () => string {
  let lastMs = Number.NaN
  let lastIso = ''
  return () => {
    const ms = now()
    if (ms !== lastMs) {
      lastIso = new Date(ms).toISOString()
      lastMs = ms
    }
    return lastIso
  }
}

/** A kid comes from the attacker-controlled header: log it only when it looks like an identifier. */
export function safeKid(kid: string | undefined): string | undefined {
  if (kid === undefined) return undefined
  return /^[A-Za-z0-9._:+/=-]{1,128}$/.test(kid) ? kid : '[unprintable]'
}

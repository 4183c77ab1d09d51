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
  return {
    log(level, message, fields) {
      if (RANK[level] < RANK[minLevel]) return
      // Fields come after the fixed members but never replace them: log filters rely on level, time and message.
      const line: Record<string, unknown> = { level, time: new Date(now()).toISOString(), message }
      for (const [key, value] of Object.entries(fields ?? {})) if (!Object.hasOwn(line, key)) line[key] = value
      write(`${JSON.stringify(line)}\n`)
    },
  }
}

/** A kid comes from the attacker-controlled header: log it only when it looks like an identifier. */
export function safeKid(kid: string | undefined): string | undefined {
  if (kid === undefined) return undefined
  return /^[A-Za-z0-9._:+/=-]{1,128}$/.test(kid) ? kid : '[unprintable]'
}

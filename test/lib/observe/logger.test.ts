// Unit tests for the JSON line logger and for logging attacker-controlled kids safely.
import { describe, expect, it } from 'vitest'
import { jsonLogger, LogLevel, safeKid } from '../../../lib/observe/logger.js'

const NOW_MS = Date.UTC(2024, 0, 2, 3, 4, 5, 678)

function capture(minLevel?: LogLevel): { lines: string[]; logger: ReturnType<typeof jsonLogger> } {
  const lines: string[] = []
  return { lines, logger: jsonLogger(minLevel, (line) => lines.push(line), () => NOW_MS) }
}

describe('jsonLogger', () => {
  it('writes one JSON object per line with level, time from the injected clock, message and fields', () => {
    const { lines, logger } = capture()
    logger.log('info', 'decision', { outcome: 'allow', latency_ms: 3, cached: true })
    expect(lines).toEqual([
      '{"level":"info","time":"2024-01-02T03:04:05.678Z","message":"decision","outcome":"allow","latency_ms":3,"cached":true}\n',
    ])
  })

  it('keeps one line per call even when a value holds newlines', () => {
    const { lines, logger } = capture()
    logger.log('warn', 'multi\nline', { detail: 'a\nb\r\nc' })
    logger.log('info', 'second')
    expect(lines).toHaveLength(2)
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true)
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/)
      expect(JSON.parse(line)).toBeTypeOf('object')
    }
    expect((JSON.parse(lines[0] ?? '') as { detail: string }).detail).toBe('a\nb\r\nc')
  })

  it('leaves out fields whose value is undefined', () => {
    const { lines, logger } = capture()
    logger.log('info', 'decision', { kid: undefined, alg: 'HS256' })
    expect(JSON.parse(lines[0] ?? '')).toEqual({ level: 'info', time: '2024-01-02T03:04:05.678Z', message: 'decision', alg: 'HS256' })
  })

  it('writes only the fixed members, as valid JSON, when there are no fields or every field is undefined', () => {
    const { lines, logger } = capture()
    logger.log('info', 'bare')
    logger.log('info', 'empty', {})
    logger.log('info', 'undefined', { kid: undefined })
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      ['bare', 'empty', 'undefined'].map((message) => ({ level: 'info', time: '2024-01-02T03:04:05.678Z', message })),
    )
  })

  it('escapes a message and field names that need it', () => {
    const { lines, logger } = capture()
    logger.log('info', 'say "hi"\\', { 'odd "key"': 'v' })
    expect(JSON.parse(lines[0] ?? '')).toEqual({ level: 'info', time: '2024-01-02T03:04:05.678Z', message: 'say "hi"\\', 'odd "key"': 'v' })
  })

  it('never lets a field overwrite level, time or message', () => {
    const { lines, logger } = capture()
    logger.log('error', 'decision', { level: 'debug', time: 'then', message: 'fine', reason: 'config_invalid' })
    expect(JSON.parse(lines[0] ?? '')).toEqual({ level: 'error', time: '2024-01-02T03:04:05.678Z', message: 'decision', reason: 'config_invalid' })
  })

  it('keeps the fixed members first and their values when fields repeat their names', () => {
    const { lines, logger } = capture()
    logger.log('warn', 'decision', { outcome: 'deny', message: 'forged', level: 'debug', reason: 'x', time: 'then' })
    expect(lines).toEqual(['{"level":"warn","time":"2024-01-02T03:04:05.678Z","message":"decision","outcome":"deny","reason":"x"}\n'])
  })

  it('stamps every line with the clock, also when lines share a millisecond or the clock steps back', () => {
    let ms = NOW_MS
    const lines: string[] = []
    const logger = jsonLogger(LogLevel.INFO, (line) => lines.push(line), () => ms)
    for (const step of [0, 0, 1, -1000, 0, 86_400_000]) {
      ms += step
      logger.log('info', 'tick')
    }
    const times = lines.map((line) => (JSON.parse(line) as { time: string }).time)
    const iso = (at: number) => new Date(at).toISOString()
    expect(times).toEqual([iso(NOW_MS), iso(NOW_MS), iso(NOW_MS + 1), iso(NOW_MS - 999), iso(NOW_MS - 999), iso(NOW_MS - 999 + 86_400_000)])
  })

  it('logs info and above by default', () => {
    const { lines, logger } = capture()
    for (const level of Object.values(LogLevel)) logger.log(level, level)
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(['info', 'warn', 'error'])
  })

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('with minimum level %s writes %j', (minLevel, expected) => {
    const { lines, logger } = capture(minLevel)
    for (const level of Object.values(LogLevel)) logger.log(level, 'm')
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(expected)
  })
})

describe('safeKid', () => {
  it.each(['key-1', '2024-01_rotation.v2', 'a:b+c/d=', 'x'.repeat(128)])('logs the identifier-like kid %j as it is', (kid) => {
    expect(safeKid(kid)).toBe(kid)
  })

  it.each([
    ['empty', ''],
    ['longer than 128 characters', 'x'.repeat(129)],
    ['holding a newline', 'key\n{"level":"error"}'],
    ['holding spaces', 'key one'],
    ['holding quotes', 'key"1'],
    ['holding non-ASCII', 'ключ'],
    ['holding CR LF', 'k\r\nX-Injected: 1'],
  ])('replaces a kid %s with [unprintable]', (_name, kid) => {
    expect(safeKid(kid)).toBe('[unprintable]')
  })

  it('keeps an absent kid absent', () => {
    expect(safeKid(undefined)).toBeUndefined()
  })
})

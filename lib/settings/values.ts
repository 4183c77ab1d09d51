// Parsers for individual setting values; each failure names the setting, never echoes a value.
import { configError } from '../errors.js'

/** Comma list, trimmed, empty items dropped, de-duplicated (Cube does not trim; stray spaces are a common mistake). */
export function parseList(value: string): string[] {
  return [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))]
}

export function parseNonEmptyList(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const list = parseList(value)
  if (list.length === 0) throw configError(name, 'is set but empty')
  return list
}

export function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) throw configError(name, 'must be a whole number')
  const number = Number(trimmed)
  if (number < min || number > max) throw configError(name, `must be between ${min} and ${max}`)
  return number
}

export function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback
  const normalized = value.trim().toLowerCase()
  if (normalized === 'true') return true
  if (normalized === 'false') return false
  throw configError(name, 'must be true or false')
}

export function parseChoice<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined || value.trim() === '') return fallback
  const normalized = value.trim().toLowerCase()
  const choice = choices.find((c) => c === normalized)
  if (choice === undefined) throw configError(name, `must be one of ${choices.join(', ')}`)
  return choice
}

/** Optional single-valued string setting; blank counts as unset, as Cube's getEnv does. */
export function parseOptional(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

// The one test for "a JSON object" (not null, not an array) used wherever untrusted JSON or events are inspected.

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

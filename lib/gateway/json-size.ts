// A cheap upper bound of a value's JSON size in UTF-8 bytes, so that size limits rarely need the exact serialization.

/** Longest JSON text of a finite number: "-1.7976931348623157e+308" is 24 characters. */
const MAX_NUMBER_JSON = 24

/**
 * An upper bound of the UTF-8 bytes of JSON.stringify(value), for the plain, acyclic data built here. A UTF-16 unit
 * becomes at most 6 bytes (a control character or lone surrogate escaped as \uXXXX; otherwise 3 bytes of UTF-8 at most).
 */
export function jsonBytesAtMost(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2
    case 'number':
    case 'boolean':
      return MAX_NUMBER_JSON
    case 'object': {
      if (value === null) return 4
      // toJSON would replace the object in the JSON; nothing built here has one, so leave such values to the exact count.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return Number.POSITIVE_INFINITY
      // Brackets, plus per member a comma and (objects) a quoted, escaped key and a colon.
      let bytes = 2
      if (Array.isArray(value)) {
        for (const item of value) bytes += jsonBytesAtMost(item) + 1
        return bytes
      }
      for (const key of Object.keys(value)) bytes += 6 * key.length + 4 + jsonBytesAtMost((value as Record<string, unknown>)[key])
      return bytes
    }
    case 'bigint':
      // JSON.stringify throws on it: let the exact count do so, as it always did.
      return Number.POSITIVE_INFINITY
    default:
      // undefined, functions and symbols: left out of objects, `null` in arrays.
      return 4
  }
}

// The accepted differences from Cube, by id: what each allows the two answers to be, and where docs/security.md lists them.
import { readFileSync } from 'node:fs'
import type { CubeOutcome } from './cube-oracle.js'

/** Where the list lives: moving the section (e.g. into docs/) is a change to this one constant. */
export const DIFFERENCES_SECTION = { file: 'docs/security.md', heading: '## Differences from Cube, and why' } as const

/** Our answer: an Allow with its security context, a 401, or a 500-style error. */
export type OurOutcome =
  | { readonly kind: 'accept'; readonly securityContext: unknown }
  | { readonly kind: 'reject' }
  | { readonly kind: 'error'; readonly message: string }

type Explains = (cube: CubeOutcome, ours: OurOutcome) => boolean

const cubeAcceptsOursRejects: Explains = (cube, ours) => cube.kind === 'accept' && ours.kind === 'reject'
const cubeRejectsOursAccepts: Explains = (cube, ours) => cube.kind === 'reject' && ours.kind === 'accept'
const oursConfigError: Explains = (_cube, ours) => ours.kind === 'error' && ours.message === 'Authorizer error: config_invalid'
const contextsDiffer: Explains = (cube, ours) => cube.kind === 'accept' && ours.kind === 'accept'
const either: Explains = (cube, ours) => cubeAcceptsOursRejects(cube, ours) || cubeRejectsOursAccepts(cube, ours)

/** Each accepted difference and the pair of answers it explains; the README section lists exactly these ids. */
export const DIFFERENCES = {
  'status-401': (cube, ours) => cube.kind === 'reject' && cube.status === 403 && ours.kind === 'reject',
  'dev-mode': cubeAcceptsOursRejects,
  'authorization-scheme': cubeAcceptsOursRejects,
  'bearer-whitespace': cubeRejectsOursAccepts,
  'blank-x-cube-authorization': cubeRejectsOursAccepts,
  'credentials-ambiguous': cubeAcceptsOursRejects,
  'jwt-key-formats': either,
  'public-key-as-secret': oursConfigError,
  'weak-hmac-key': oursConfigError,
  'algs-config-error': oursConfigError,
  'trimmed-lists': cubeRejectsOursAccepts,
  eddsa: cubeRejectsOursAccepts,
  'rsa-exponent': cubeAcceptsOursRejects,
  'rsa-key-size': (cube, ours) => cubeAcceptsOursRejects(cube, ours) || oursConfigError(cube, ours),
  'jwks-requires-issuer-audience': oursConfigError,
  'jwks-key-breaks-set': cubeRejectsOursAccepts,
  'jwks-key-checks': cubeAcceptsOursRejects,
  'strict-token-format': cubeAcceptsOursRejects,
  'payload-not-object': cubeAcceptsOursRejects,
  'numeric-dates': cubeAcceptsOursRejects,
  'legacy-u-not-object': contextsDiffer,
  'legacy-u-inner-u': contextsDiffer,
  'namespace-json-text': contextsDiffer,
  'namespace-not-object': contextsDiffer,
  'prototype-keys': contextsDiffer,
  'context-size': (cube, ours) => cube.kind === 'accept' && ours.kind === 'error' && ours.message === 'Authorizer error: context_too_large',
} as const satisfies Record<string, Explains>

export type DifferenceId = keyof typeof DIFFERENCES

/** The ids listed in the README section: each bullet starts with the id as bold code, "- **`id`**". */
export function readmeDifferenceIds(root: URL): string[] {
  const text = readFileSync(new URL(DIFFERENCES_SECTION.file, root), 'utf8')
  const start = text.split('\n').indexOf(DIFFERENCES_SECTION.heading)
  if (start === -1) throw new Error(`${DIFFERENCES_SECTION.file} has no line "${DIFFERENCES_SECTION.heading}"`)
  const level = DIFFERENCES_SECTION.heading.split(' ')[0] ?? '##'
  const lines = text.split('\n').slice(start + 1)
  const end = lines.findIndex((line) => new RegExp(`^#{1,${level.length}} `).test(line))
  const section = (end === -1 ? lines : lines.slice(0, end)).join('\n')
  return [...section.matchAll(/^- \*\*`([a-z0-9-]+)`\*\*/gm)].map((match) => match[1] ?? '')
}

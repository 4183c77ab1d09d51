// Budgets for work a test expects to finish: so wide that a busy CPU cannot miss them (GUIDE: no deadlines in tests).
import type { Settings } from '../../lib/settings/env.js'

/** A loopback JWKS or SSM round trip takes milliseconds; a loaded 2-core machine stretches that, never to 10 s. */
export const PATIENT_MS = 10_000

/** For tests whose JWKS fetches must succeed: the fetch timeout, not the machine, is then never the limit. */
export const PATIENT_JWKS = { AUTHORIZER_JWKS_TIMEOUT_MS: String(PATIENT_MS) } as const satisfies Settings

/** For tests whose SSM loads must succeed (or fail by fault, not by budget): the cold-start budget. */
export const PATIENT_SSM = { AUTHORIZER_SSM_TIMEOUT_MS: String(PATIENT_MS) } as const satisfies Settings

/**
 * For a timeout that a test needs to fire (a hung or trickling server) after earlier requests that must get through:
 * long enough for those on a busy CPU, short enough to keep the test quick. A timeout that only meets hung servers
 * may stay small, since load can only make it fire later.
 */
export const HANG_TIMEOUT_MS = 2_000

/** Options for vi.waitFor, whose own default gives up after 1 s: background work on a busy CPU can take longer. */
export const PATIENTLY = { timeout: PATIENT_MS, interval: 20 } as const

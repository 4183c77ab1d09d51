// Test runner settings: node environment, real servers on loopback, timeouts that only catch hangs.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e suites run dist/authorizer.mjs; this builds it only when it is missing (npm test builds it in pretest).
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    // Safety nets for a hang, not budgets: on a busy 2-core machine (another suite running alongside) a test may take
    // several times as long as alone, and must still pass. No test or hook sets a shorter one.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores here and in CI: more workers only add contention.
    maxWorkers: 2,
    env: { AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  },
})

// Test runner settings: node environment, real servers on loopback, generous timeouts for e2e suites only.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e suites run dist/authorizer.mjs; this builds it only when it is missing (npm test builds it in pretest).
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores here and in CI: more workers only add contention.
    maxWorkers: 2,
    env: { AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  },
})

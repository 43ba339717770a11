// `npm run test:crash`: the crash test of `outreach send` alone (real Postfix + Dovecot, SIGKILL at random
// moments). It takes a minute or more, so it stays out of the fast suite (vitest.config.ts excludes test/crash).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    globalSetup: ['./test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 15 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

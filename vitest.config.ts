import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites each own a Redis prefix, so files may run in parallel;
    // two cores make more workers than that only slower.
    maxWorkers: 2,
  },
});

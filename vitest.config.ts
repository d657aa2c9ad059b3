import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    // `*.real.test.ts` suites need a real engine: `pnpm test:real` sets POLYXENA_TEST_REAL and runs them.
    exclude: [...configDefaults.exclude, ...(process.env.POLYXENA_TEST_REAL ? [] : ["**/*.real.test.ts"])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

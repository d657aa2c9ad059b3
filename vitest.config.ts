import { configDefaults, defineConfig } from "vitest/config";

// On Node 20 the AWS SDK prints, once per process, that its releases after the
// first week of January 2027 will need Node 22 (README: supported Node versions).
// The SDK's own switch keeps that notice out of the test output.
const nodeMajor = Number(process.versions.node.split(".")[0]);

export default defineConfig({
  test: {
    // A store's own tests live with its test kit (packages/testkit/src/stores/<kind>/).
    include: ["packages/*/test/**/*.test.ts", "packages/testkit/src/stores/*/*.test.ts", "examples/*/test/**/*.test.ts"],
    // `*.real.test.ts` suites need a real engine: `pnpm test:real` sets POLYXENA_TEST_REAL and runs them.
    exclude: [...configDefaults.exclude, ...(process.env.POLYXENA_TEST_REAL ? [] : ["**/*.real.test.ts"])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["./vitest.global-setup.ts"],
    env: nodeMajor < 22 ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } : {},
  },
});

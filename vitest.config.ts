import { defineConfig } from "vitest/config";

// Two tiers share one config: unit tests touch no network or database; integration tests
// (`*.int.test.ts`) run against a real PostgreSQL started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "packages/*/test/**/*.test.ts",
            "apps/*/test/**/*.test.ts",
            "bench/**/*.test.ts",
            "scripts/**/*.test.ts",
          ],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          // Randomized corpora take 1–3 s on an idle machine and past vitest's 5 s default on a busy
          // one (seen with a load of 15 on 2 cores): the limit is for hangs, not for speed.
          testTimeout: 30_000,
          // Hooks too: the SAML tests' beforeAll makes three RSA keys with openssl, which went past
          // vitest's 10 s hook default at a load of 30 on 2 cores.
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "packages/*/test/**/*.int.test.ts",
            "apps/*/test/**/*.int.test.ts",
            "test/reliability/**/*.int.test.ts",
          ],
          // The MySQL stall test sends 1 MiB and 8 MiB statements through to MariaDB 10.11, which
          // segfaulted (a NULL read, dmesg) during it in 3 of about 8 runs on this machine, taking
          // the shared server, and every MySQL file after it, down. It runs in the long suite
          // (scripts/reliability-long.sh sets SLUICE_LONG_SUITE) until that crash is understood.
          exclude: [
            "**/node_modules/**",
            ...(process.env.SLUICE_LONG_SUITE ? [] : ["apps/gateway/test/mysql/mysql-no-stalls.int.test.ts"]),
          ],
          globalSetup: ["./test/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

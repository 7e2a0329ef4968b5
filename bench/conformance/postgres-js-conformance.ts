/**
 * postgres.js's own test suite (tests/index.js) run three ways against one throwaway PostgreSQL:
 * directly, through Sluice in plaintext, and through Sluice with TLS verified against the gateway's
 * CA. Every test that passes directly but not through Sluice is listed in docs/compatibility.md;
 * the run exits non-zero when one of them is not in postgres-js/expected-differences.json.
 *
 *   ./node_modules/.bin/tsx bench/conformance/postgres-js-conformance.ts <postgres.js checkout>
 *
 * See bench/README.md for preparing the checkout (it is never committed here).
 */
import "../../apps/gateway/src/wasm-tiers";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCleanup } from "../lib/cleanup";
import { writeSection } from "../lib/markdown-section";
import { compareModes } from "./compare-modes";
import { confirmDifferences } from "./confirm-differences";
import { createConformanceEnv, type SuiteShape } from "./conformance-env";
import { loadExpectedDifferences } from "./load-expected-differences";
import { parseRunnerOutput } from "./postgres-js/parse-runner-output";
import { prepareSuite } from "./postgres-js/prepare-suite";
import { countMode, renderCompatibility } from "./render-compatibility";
import { runNodeScript } from "./run-test-files";
import { suiteEnv } from "./suite-env";

const REPORT = path.resolve(import.meta.dirname, "../../docs/compatibility.md");
const ALLOWLIST = path.resolve(import.meta.dirname, "postgres-js/expected-differences.json");
const COMMAND = "tsx bench/conformance/postgres-js-conformance.ts <checkout>";
/** ~260 tests of at most 5 s each, sequential; past this the run is hung, not slow. */
const RUN_TIMEOUT_MS = 20 * 60_000;

/** The names postgres.js's tests hard-code (tests/bootstrap.js and the logins in tests/index.js). */
const POSTGRES_JS_SHAPE: SuiteShape = {
  role: "postgres_js_test",
  agentName: "postgres_js_test",
  isSuperuser: false,
  fixedLogins: [
    { name: "postgres_js_test_md5", password: "postgres_js_test_md5" },
    { name: "postgres_js_test_scram", password: "postgres_js_test_scram" },
  ],
};

async function main(): Promise<number> {
  const checkout = process.argv[2] ?? process.env.POSTGRES_JS_DIR;
  if (!checkout) throw new Error("usage: postgres-js-conformance.ts <postgres.js checkout>");
  const allowlist = loadExpectedDifferences(ALLOWLIST);
  const cleanup = createCleanup();
  try {
    const suite = prepareSuite(path.resolve(checkout));
    cleanup.add(() => rmSync(suite, { recursive: true, force: true }));
    const env = await createConformanceEnv(cleanup, POSTGRES_JS_SHAPE);
    const superuser = { CONFORMANCE_SUPERUSER_URL: env.superuserUrl };
    const modes = [
      { name: "direct", env: suiteEnv(env.direct, superuser) },
      { name: "Sluice, plaintext", env: suiteEnv(env.viaSluice, superuser) },
      {
        name: "Sluice, TLS verified",
        env: suiteEnv(env.viaSluice, { ...superuser, CONFORMANCE_SSL_CA: env.caFile }),
      },
    ];
    /** The whole suite in one mode, on a fresh scratch database (it is one file: tests/index.js). */
    const runMode = async (mode: (typeof modes)[number]) => {
      console.error(`${mode.name}:`);
      await env.resetScratchDatabase();
      const { output, exit } = await runNodeScript(
        path.join(suite, "tests", "index.js"),
        mode.env,
        RUN_TIMEOUT_MS,
      );
      const outcomes = parseRunnerOutput(output, exit);
      saveOutput(mode.name, output);
      console.error(`  ${outcomes.filter((o) => o.isPassed).length}/${outcomes.length} passed`);
      return outcomes;
    };
    const results = [];
    for (const mode of modes) results.push({ name: mode.name, outcomes: await runMode(mode) });
    const [direct, ...viaSluice] = results;
    if (!direct) throw new Error("no direct run to compare against");
    const differences = await confirmDifferences(
      compareModes(direct.outcomes, viaSluice, allowlist),
      async (name) => {
        const mode = modes.find((m) => m.name === name);
        if (!mode) throw new Error(`no mode ${name}`);
        return runMode({ ...mode, name: `rerun, ${name}` });
      },
    );
    const counts = results.map((r) => countMode(r.name, r.outcomes));
    if (!existsSync(REPORT)) throw new Error(`${REPORT} is missing; run node-postgres-conformance.ts first`);
    // Its tables are re-aligned by `pnpm exec biome check --write docs/compatibility.md`.
    writeSection(REPORT, "postgres-js", renderCompatibility("postgres.js", counts, differences, COMMAND));
    for (const c of counts) console.log(`${c.name}: ${c.testsPassed}/${c.testsRun} tests`);
    const unexpected = differences.filter((d) => d.expected === null);
    for (const d of unexpected) console.log(`UNEXPECTED [${d.mode}] ${d.id}: ${d.error}`);
    console.log(
      `wrote ${REPORT}; ${differences.length} differences, ${unexpected.length} not in the allowlist`,
    );
    return unexpected.length > 0 ? 1 : 0;
  } finally {
    await cleanup.run();
  }
}

/** CONFORMANCE_OUTPUT_DIR keeps each mode's raw output, for reading the errors behind a difference. */
function saveOutput(mode: string, output: string) {
  const root = process.env.CONFORMANCE_OUTPUT_DIR;
  if (!root) return;
  mkdirSync(root, { recursive: true });
  writeFileSync(
    path.join(root, `postgres-js-${mode.replaceAll(/[^a-z0-9]+/gi, "-").toLowerCase()}.log`),
    output,
  );
}

// Exit explicitly: a handle left open must not keep the run alive after the verdict.
process.exit(await main());

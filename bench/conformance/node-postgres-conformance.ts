/**
 * node-postgres's own integration suite run three ways against one throwaway PostgreSQL: directly,
 * through Sluice in plaintext, and through Sluice with TLS verify-full. Every test that passes
 * directly but not through Sluice is listed in docs/compatibility.md; the run exits non-zero when
 * one of them is not in expected-differences.json.
 *
 *   ./node_modules/.bin/tsx bench/conformance/node-postgres-conformance.ts <node-postgres checkout>
 *
 * See bench/README.md for preparing the checkout (it is never committed here).
 */
import "../../apps/gateway/src/wasm-tiers";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createCleanup } from "../lib/cleanup";
import { writeSection } from "../lib/markdown-section";
import { assertTlsVerified } from "./assert-tls-verified";
import { compareModes } from "./compare-modes";
import { confirmDifferences } from "./confirm-differences";
import { createConformanceEnv } from "./conformance-env";
import { loadExpectedDifferences } from "./load-expected-differences";
import { countMode, renderCompatibility } from "./render-compatibility";
import { integrationTestFiles, runTestFiles } from "./run-test-files";
import { suiteEnv } from "./suite-env";

const REPORT = path.resolve(import.meta.dirname, "../../docs/compatibility.md");
const ALLOWLIST = path.resolve(import.meta.dirname, "expected-differences.json");
const COMMAND = "tsx bench/conformance/node-postgres-conformance.ts <checkout>";
const INTRO = `# Compatibility

Drivers' own test suites run directly against PostgreSQL and through Sluice (a connection with no
rules of its own: only Sluice's built-in defaults judge), measured by \`bench/conformance/\`. Each
difference is either an expected refusal by a documented default (its reason is in
\`bench/conformance/expected-differences.json\`) or a gateway fault.
`;

async function main(): Promise<number> {
  const checkout = process.argv[2] ?? process.env.NODE_POSTGRES_DIR;
  if (!checkout) throw new Error("usage: node-postgres-conformance.ts <node-postgres checkout>");
  const packageDir = path.resolve(checkout, "packages", "pg");
  const only = process.env.CONFORMANCE_FILES?.split(",").filter(Boolean);
  const files = integrationTestFiles(packageDir).filter((file) => !only || only.includes(file));
  const allowlist = loadExpectedDifferences(ALLOWLIST);
  const cleanup = createCleanup();
  try {
    const env = await createConformanceEnv(cleanup);
    const modes = [
      { name: "direct", env: suiteEnv(env.direct, { PGSSLMODE: "disable" }) },
      { name: "Sluice, plaintext", env: suiteEnv(env.viaSluice, { PGSSLMODE: "disable" }) },
      {
        name: "Sluice, TLS verify-full",
        // pg reads no PGSSLROOTCERT; Node trusts the gateway's CA through NODE_EXTRA_CA_CERTS.
        env: suiteEnv(env.viaSluice, { PGSSLMODE: "verify-full", NODE_EXTRA_CA_CERTS: env.caFile }),
      },
    ];
    const tlsMode = modes[2];
    if (tlsMode) await assertTlsVerified(tlsMode.env, readFileSync(env.caFile, "utf8"));
    const results = [];
    for (const mode of modes) {
      console.error(`${mode.name}:`);
      results.push({
        name: mode.name,
        outcomes: await runTestFiles(packageDir, files, mode.env, console.error, outputDir(mode.name)),
      });
    }
    const [direct, ...viaSluice] = results;
    if (!direct) throw new Error("no direct run to compare against");
    const envOf = new Map(modes.map((mode) => [mode.name, mode.env]));
    const differences = await confirmDifferences(
      compareModes(direct.outcomes, viaSluice, allowlist),
      async (mode, ids) => {
        console.error(`rerun, ${mode}:`);
        // An id is "file: test"; a file is the unit the suite can run.
        const files = [...new Set(ids.map((id) => id.slice(0, id.indexOf(": "))))];
        return runTestFiles(packageDir, files, envOf.get(mode) ?? {}, console.error, null);
      },
    );
    const counts = results.map((r) => countMode(r.name, r.outcomes));
    if (!existsSync(REPORT)) writeFileSync(REPORT, INTRO);
    // Its tables are re-aligned by `pnpm exec biome check --write docs/compatibility.md`.
    writeSection(
      REPORT,
      "node-postgres",
      renderCompatibility("node-postgres (pg)", counts, differences, COMMAND),
    );
    for (const c of counts)
      console.log(`${c.name}: ${c.testsPassed}/${c.testsRun} tests, ${c.filesClean}/${c.files} files`);
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

/** CONFORMANCE_OUTPUT_DIR keeps every file's raw output, one folder per mode. */
function outputDir(mode: string): string | null {
  const root = process.env.CONFORMANCE_OUTPUT_DIR;
  return root ? path.join(root, mode.replaceAll(/[^a-z0-9]+/gi, "-").toLowerCase()) : null;
}

// Exit explicitly: a server's handle left open by a test file must not keep the run alive, and
// the verdict must not depend on exitCode surviving the teardown.
process.exit(await main());

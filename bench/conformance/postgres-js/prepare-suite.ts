import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const HERE = import.meta.dirname;
/** Where postgres.js's tests/index.js declares its shared options; TLS modes add `ssl` there. */
const OPTIONS_DECLARATION = "const options = {\n";

/**
 * A working copy of postgres.js's `src/` and `tests/` with two of the suite's own files replaced:
 * the runner (so every test runs and prints its outcome, where the original stops at the first
 * failure) and bootstrap's `exec` (always aimed at the upstream's superuser). The tests themselves
 * run unchanged, except that their shared options take `ssl` from CONFORMANCE_SSL_CA when set.
 */
export function prepareSuite(checkout: string): string {
  for (const part of ["src/index.js", "tests/index.js", "tests/test.js", "package.json"]) {
    if (!existsSync(path.join(checkout, part))) {
      throw new Error(`${checkout} is not a postgres.js checkout: ${part} is missing`);
    }
  }
  const copy = mkdtempSync(path.join(tmpdir(), "sluice-postgres-js-"));
  for (const part of ["src", "tests", "package.json"]) {
    cpSync(path.join(checkout, part), path.join(copy, part), { recursive: true });
  }
  cpSync(path.join(HERE, "runner.js"), path.join(copy, "tests", "test.js"));
  cpSync(path.join(HERE, "bootstrap.js"), path.join(copy, "tests", "bootstrap.js"));
  const index = path.join(copy, "tests", "index.js");
  const source = readFileSync(index, "utf8");
  if (!source.includes(OPTIONS_DECLARATION)) {
    throw new Error("tests/index.js no longer declares `const options = {`: update prepare-suite.ts");
  }
  writeFileSync(
    index,
    source.replace(
      OPTIONS_DECLARATION,
      `${OPTIONS_DECLARATION}  ...(process.env.CONFORMANCE_SSL_CA ? { ssl: { ca: fs.readFileSync(process.env.CONFORMANCE_SSL_CA, 'utf8') } } : {}),\n`,
    ),
  );
  return copy;
}

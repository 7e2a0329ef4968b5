import path from "node:path";
import { fileURLToPath } from "node:url";
import { findViolations } from "./import-rules";
import { readPackages, readSourceFiles } from "./read-workspace";

// `pnpm lint` runs this: the build would catch an unexported subpath too, but not a layer turned
// upside down, and not with a message that says what to do.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const violations = findViolations(readPackages(root), readSourceFiles(root));
for (const violation of violations) console.error(`${violation.file}: ${violation.message}`);
if (violations.length > 0) {
  console.error(
    `\n${violations.length} architecture violation(s); layers are in scripts/architecture/layers.ts`,
  );
  process.exit(1);
}
console.log("architecture: exports explicit, imports follow the layers");

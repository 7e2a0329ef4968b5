/**
 * Builds relay.c against the headers of the Node that runs this script, with the system's C compiler,
 * into build/relay.node. No download, as packages/masking/native/build.mjs. Benchmarks build it on
 * first use; without a compiler they skip the native relay's row and say why.
 *
 *   node bench/lib/native-relay/build.mjs
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const target = path.join(here, "build", "relay.node");
const headers = path.resolve(process.execPath, "../../include/node");
if (!existsSync(path.join(headers, "node_api.h"))) {
  console.error(`no Node headers at ${headers}`);
  process.exit(1);
}
mkdirSync(path.dirname(target), { recursive: true });
const partial = `${target}.partial`;
execFileSync(
  process.env.CC ?? "cc",
  [
    "-O2",
    "-fPIC",
    "-shared",
    "-pthread",
    "-Wall",
    "-Wextra",
    "-Werror",
    `-I${headers}`,
    "-o",
    partial,
    path.join(here, "relay.c"),
  ],
  { stdio: ["ignore", "inherit", "inherit"] },
);
renameSync(partial, target);

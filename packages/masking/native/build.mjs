/**
 * Builds the native module (keyed_hash.c: the keyed hash; mask_rows.c: a read's DataRows masked in
 * one call) against the headers of the Node that runs this script,
 * with the system's C compiler. No download: Node's own headers and OpenSSL are used, and the
 * symbols resolve against the running Node when the module loads. A machine without a compiler or
 * headers still works: the build is skipped with a message and the JavaScript hash and row masking are used.
 *
 *   node packages/masking/native/build.mjs      (run by the root postinstall)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const sources = ["keyed_hash.c", "mask_rows.c"].map((file) => path.join(here, file));
const target = path.join(here, "build", "keyed_hash.node");
const headers = path.resolve(process.execPath, "../../include/node");

function skip(reason) {
  console.warn(`[masking] native keyed hash not built (${reason}); the JavaScript HMAC is used instead`);
  process.exit(0);
}

if (!existsSync(path.join(headers, "node_api.h")) || !existsSync(path.join(headers, "openssl", "sha.h"))) {
  skip(`no Node headers at ${headers}`);
}
const compiler = process.env.CC ?? "cc";
mkdirSync(path.dirname(target), { recursive: true });
// Built beside the target and renamed, so a failed build never leaves a half-written module.
const partial = `${target}.partial`;
try {
  execFileSync(
    compiler,
    ["-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", `-I${headers}`, "-o", partial, ...sources],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
} catch (error) {
  skip(`${compiler} failed: ${error instanceof Error ? error.message : String(error)}`);
}
renameSync(partial, target);
console.log(`[masking] native keyed hash built: ${path.relative(process.cwd(), target)}`);

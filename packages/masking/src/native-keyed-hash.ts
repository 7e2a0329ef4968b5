import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The native HMAC-SHA256 (`native/keyed_hash.c`, built by `native/build.mjs` at install), when it was
 * built. Node's own OpenSSL hashes a value in about a sixth of the JavaScript compression's time
 * (SHA extensions where the CPU has them); a masked column of a million rows is a million values.
 * Loaded with `process.dlopen` from a path computed at run time, so bundlers (the console's Next
 * build imports this package for previews) leave it alone and simply fall back to JavaScript.
 */
export type NativeModule = {
  createDigest: (key: Uint8Array, out: Uint8Array) => (data: Uint8Array, start: number, end: number) => void;
  createHex: (
    key: Uint8Array,
    bytes: number,
  ) => (data: Uint8Array, start: number, end: number, out: Uint8Array, at: number) => void;
  createHexMany: (
    key: Uint8Array,
    bytes: number,
  ) => (data: Uint8Array, jobs: Int32Array, count: number, out: Uint8Array) => void;
  /** From native/mask_rows.c; absent from a module built before it (then rows are masked in JavaScript). */
  createRowMasker?: (
    key: Uint8Array,
    hashBytes: number,
    redacted: Uint8Array,
  ) => (
    program: Int32Array,
    data: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    at: number,
    state: Int32Array,
  ) => number;
};

const MODULE_PATH = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "native",
  "build",
  "keyed_hash.node",
);

let loaded: NativeModule | null | undefined;
let isAllowed = true;

/**
 * Whether hashers created from now on may use the native module. A process-wide switch because the
 * module is loaded once per process; the apps' env modules set it (SLUICE_NATIVE_HASH=off), so a
 * run can measure the JavaScript hash on the same build.
 */
export function allowNativeKeyedHash(allowed: boolean): void {
  isAllowed = allowed;
}

/** The native module, or null when it was not built or is not allowed (see allowNativeKeyedHash). */
export function nativeKeyedHash(): NativeModule | null {
  if (!isAllowed) return null;
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!existsSync(MODULE_PATH)) return loaded;
  const module = { exports: {} as Partial<NativeModule> };
  try {
    process.dlopen(module, MODULE_PATH);
  } catch {
    // Built for another platform, or a copy that does not load here: the JavaScript hash does the same work.
    return loaded;
  }
  // A module built from an older keyed_hash.c lacks the newer functions: the JavaScript hash then.
  const { createDigest, createHex, createHexMany } = module.exports;
  if (
    typeof createDigest === "function" &&
    typeof createHex === "function" &&
    typeof createHexMany === "function"
  ) {
    loaded = module.exports as NativeModule;
  }
  return loaded;
}

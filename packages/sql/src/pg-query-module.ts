// libpg-query's WebAssembly build (PostgreSQL's own parser, scanner and normalizer), called without
// the package's JavaScript wrapper. The wrapper copies text in and out of the module's memory with
// byte-at-a-time JavaScript loops (`lengthBytesUTF8`, `stringToUTF8Array`, and a search for the
// result's NUL before decoding it): about 6% of a never-seen statement's decision. Here the copies
// are the runtime's own (`TextEncoder.encodeInto`, `indexOf`, `TextDecoder`). The C functions called,
// and what is read back, are the wrapper's (libpg-query 18.1.5, `wasm/index.js`).
/// <reference path="./libpg-query-module.d.ts" />
import createModule from "libpg-query/wasm/libpg-query.js";

/** The parts of the Emscripten module used here; the heap views are replaced when memory grows. */
type PgQueryModule = {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc: (bytes: number) => number;
  _free: (pointer: number) => void;
  _wasm_parse_query_raw: (query: number) => number;
  _wasm_free_parse_result: (result: number) => void;
  _wasm_normalize_query: (query: number) => number;
  _wasm_scan: (query: number) => number;
  _wasm_free_string: (result: number) => void;
};

/** Where PostgreSQL reported a statement's syntax error (pg_query's PgQueryError). */
export type PgQueryError = {
  message: string;
  /** 0-based byte offset, as libpg-query's wrapper reports it. */
  cursorPosition: number;
  fileName?: string;
  functionName?: string;
  lineNumber?: number;
};

/** One token of PostgreSQL's scanner: byte offsets into the UTF-8 text, and its token class. */
export type ScanToken = { start: number; end: number; text: string; tokenName: string };

let instance: PgQueryModule | null = null;
let loading: Promise<void> | null = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Instantiates the module once per thread; every call after that is synchronous. */
export function loadPgQuery(): Promise<void> {
  loading ??= (createModule as () => Promise<PgQueryModule>)().then((module) => {
    instance = module;
  });
  return loading;
}

// Begun at import, as libpg-query's wrapper does: code that parses a while after importing (a relay
// met in a test, the console's first request) finds the module ready without awaiting it.
void loadPgQuery().catch(() => {});

function loaded(): PgQueryModule {
  if (!instance) throw new Error("PostgreSQL's parser is not loaded: call loadParser() first");
  return instance;
}

/** A new module is made at most this often, however fast faults come. */
const REPLACE_INTERVAL_MS = 1_000;
let replacement: ReturnType<typeof setTimeout> | Promise<void> | null = null;
let lastReplacedAt = 0;
let replacements = 0;

/** How many times a faulted module was replaced by a fresh one (for tests and diagnostics). */
export function parserReplacements(): number {
  return replacements;
}

/**
 * A call that traps inside the module (a stack overflow on deep nesting, an out-of-bounds access)
 * unwinds past PostgreSQL's own cleanup: the statement's memory context is never freed (about
 * 0.15 MB per overflow), and enough of them would fill the module's heap and fail every later
 * parse on this thread, for every session. The faulted module keeps serving until a fresh one is
 * ready, then is dropped; at most one replacement a second.
 */
function replaceAfterFault(faulted: PgQueryModule): void {
  if (replacement !== null || instance !== faulted) return;
  const replace = () => {
    replacement = (createModule as () => Promise<PgQueryModule>)()
      .then((fresh) => {
        instance = fresh;
        replacements++;
      })
      .catch(() => {})
      .finally(() => {
        lastReplacedAt = Date.now();
        replacement = null;
      });
  };
  const wait = lastReplacedAt + REPLACE_INTERVAL_MS - Date.now();
  if (wait <= 0) {
    replace();
    return;
  }
  const timer = setTimeout(replace, wait);
  timer.unref?.();
  replacement = timer;
}

/** Runs a call into the module; a trap (not an error this file reports) has the module replaced. */
function guarded<T>(module: PgQueryModule, call: () => T): T {
  try {
    return call();
  } catch (error) {
    // WebAssembly.RuntimeError (a trap) by name: this package's types do not declare WebAssembly.
    const isTrap = error instanceof Error && error.name === "RuntimeError";
    if (error instanceof RangeError || isTrap) replaceAfterFault(module);
    throw error;
  }
}

/** Calls `run` with `text` as a NUL-terminated UTF-8 string in the module's memory. */
function withCString<T>(module: PgQueryModule, text: string, run: (pointer: number) => T): T {
  // At most 3 bytes per UTF-16 unit (a surrogate pair's 4 bytes take 2 units), and the NUL.
  const capacity = text.length * 3 + 1;
  const pointer = module._malloc(capacity);
  if (!pointer) throw new Error("PostgreSQL's parser could not allocate memory for the statement");
  try {
    const { written } = encoder.encodeInto(text, module.HEAPU8.subarray(pointer, pointer + capacity - 1));
    module.HEAPU8[pointer + written] = 0;
    return guarded(module, () => run(pointer));
  } finally {
    module._free(pointer);
  }
}

/**
 * The module's memory as a Buffer, whose `indexOf` is the C library's memchr: a typed array's own
 * `indexOf` compares byte by byte in a loop, about as long as decoding the parse tree's JSON itself.
 * Made again when the memory grows (Emscripten then replaces HEAPU8 with a view of the new memory).
 */
const heapBuffers = new WeakMap<Uint8Array, Buffer>();

function heapBuffer(module: PgQueryModule): Buffer {
  const heap = module.HEAPU8;
  let buffer = heapBuffers.get(heap);
  if (buffer === undefined) {
    buffer = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength);
    heapBuffers.set(heap, buffer);
  }
  return buffer;
}

/** The NUL-terminated UTF-8 string at `pointer`. */
function cString(module: PgQueryModule, pointer: number): string {
  const heap = heapBuffer(module);
  const end = heap.indexOf(0, pointer);
  return decoder.decode(heap.subarray(pointer, end < 0 ? heap.length : end));
}

/** The parse tree as libpg-query's JSON text, or PostgreSQL's error. */
export function parseToJson(sql: string): { json: string } | { error: PgQueryError } {
  const module = loaded();
  return withCString(module, sql, (query) => {
    const result = module._wasm_parse_query_raw(query);
    if (!result) throw new Error("PostgreSQL's parser could not allocate memory for the parse");
    try {
      // PgQueryParseResult: { char *parse_tree; char *stderr_buffer; PgQueryError *error }.
      const words = module.HEAPU32;
      const tree = words[result >> 2] as number;
      const error = words[(result >> 2) + 2] as number;
      if (error) return { error: errorAt(module, error) };
      if (!tree) throw new Error("PostgreSQL's parser returned no parse tree");
      return { json: cString(module, tree) };
    } finally {
      module._wasm_free_parse_result(result);
    }
  });
}

/** PgQueryError: { char *message; char *funcname; char *filename; int lineno; int cursorpos; ... }. */
function errorAt(module: PgQueryModule, pointer: number): PgQueryError {
  const words = module.HEAPU32;
  const at = pointer >> 2;
  const text = (index: number) => {
    const field = words[at + index] as number;
    return field ? cString(module, field) : undefined;
  };
  const lineNumber = (words[at + 3] as number) | 0;
  const cursor = (words[at + 4] as number) | 0;
  const fileName = text(2);
  const functionName = text(1);
  return {
    message: text(0) ?? "Unknown error",
    cursorPosition: cursor > 0 ? cursor - 1 : 0,
    ...(fileName !== undefined ? { fileName } : {}),
    ...(functionName !== undefined ? { functionName } : {}),
    ...(lineNumber > 0 ? { lineNumber } : {}),
  };
}

/** The wrapper's test for a string result that is an error message, not a result. */
function isErrorText(text: string): boolean {
  return text.startsWith("syntax error") || text.startsWith("deparse error") || text.startsWith("ERROR");
}

/** A string-returning C function's result, or null when it reported an error. */
function callForText(sql: string, call: (module: PgQueryModule, query: number) => number): string | null {
  const module = loaded();
  return withCString(module, sql, (query) => {
    const result = call(module, query);
    try {
      const text = result ? cString(module, result) : "";
      return isErrorText(text) ? null : text;
    } finally {
      if (result) module._wasm_free_string(result);
    }
  });
}

/** PostgreSQL's normalizer (constants replaced by `$n`), or null when the text does not parse. */
export function normalizeQuery(sql: string): string | null {
  return callForText(sql, (module, query) => module._wasm_normalize_query(query));
}

/** PostgreSQL's scanner's tokens, or null when the text does not lex. */
export function scanQuery(sql: string): ScanToken[] | null {
  const json = callForText(sql, (module, query) => module._wasm_scan(query));
  // A result is a JSON object; anything else is the scanner's error ("unterminated quoted string").
  return json?.startsWith("{") ? (JSON.parse(json) as { tokens: ScanToken[] }).tokens : null;
}

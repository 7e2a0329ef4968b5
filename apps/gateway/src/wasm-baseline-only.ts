import v8 from "node:v8";

/**
 * Imported first by the gateway's entry points, before any WebAssembly is compiled. V8 compiles the
 * store client's query compiler and PostgreSQL's parser (both WebAssembly) with its baseline
 * compiler (Liftoff), then again with TurboFan in background threads; the second compile's memory
 * stays resident in malloc arenas. Baseline code alone keeps the gateway about 60 MB smaller, and
 * costs a few microseconds per statement the parser has not seen (facts are cached by text and
 * shape). Measured in docs/benchmarks.md ("Masking a streamed result", "Decision time").
 */
v8.setFlagsFromString("--liftoff-only");

import v8 from "node:v8";
import { loadParser } from "@sluice/sql/parser";

/**
 * Imported first by the gateway's entry points, before any other WebAssembly is compiled. V8
 * compiles WebAssembly with its baseline compiler (Liftoff), then hot functions again with TurboFan
 * in background threads, whose compile memory stays resident in malloc arenas: for the store
 * client's query compiler and everything else, Liftoff alone keeps the gateway about 60 MB smaller.
 *
 * PostgreSQL's parser is the exception. Every statement the gateway has not seen runs it, and on
 * Liftoff code it is the largest part of that decision (docs/benchmarks.md, "Decision time"). V8
 * fixes a module's tiers when the module is compiled, so the parser, instantiated here first, keeps
 * its tier-up to TurboFan, and `--liftoff-only`, set once it is ready, holds every other module
 * compiled after it (the store client's) to Liftoff. The parse thread's parser and one replaced
 * after a fault are the same bytes, which V8 compiles once per process and shares (two instances
 * made either side of the flag ran equally fast, measured in docs/benchmarks.md).
 * Were a Node release to read the flag at tier-up time instead, the parser would stay on Liftoff:
 * slower, never wrong. `bench/wasm-tiers.ts` measures what this costs and buys.
 */
await loadParser();
v8.setFlagsFromString("--liftoff-only");

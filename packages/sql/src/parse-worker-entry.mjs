// The parse worker's entry. Plain JavaScript so a worker thread can start it under any runner
// (tsx, vitest, node): it registers tsx's loader for this thread, then loads the TypeScript worker.
import { register } from "tsx/esm/api";

register();
await import("./parse-worker.ts");

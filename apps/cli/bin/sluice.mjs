#!/usr/bin/env node
// `pnpm exec sluice …` runs this without pnpm's `> script` header on stdout (unlike `pnpm sluice`),
// so its output pipes straight into jq. The CLI is TypeScript, loaded through tsx.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");

import type { Db } from "@sluice/db/prisma";

/**
 * The demo's four guardrails, so "guardrails on" pays for what a real deployment runs on every
 * statement: a parse (cached by text) and each rule's check. None matches pgbench's SELECT.
 */
export const BENCH_GUARDRAILS: Omit<Db.Prisma.GuardrailRuleCreateManyInput, "connectionId">[] = [
  { name: "no-drop-truncate", kind: "STATEMENT_KIND", match: { kinds: ["DROP", "TRUNCATE"] } },
  { name: "no-unscoped-delete", kind: "MISSING_WHERE", match: { kinds: ["DELETE"] } },
  { name: "no-unscoped-update", kind: "MISSING_WHERE", match: { kinds: ["UPDATE"] } },
  { name: "no-file-functions", kind: "FUNCTION", match: { functions: ["pg_read_file", "lo_import"] } },
];

import path from "node:path";

/** One checkout's modules a simple Query goes through (this tree's or a baseline's). */
export type TreeModules = {
  frames: typeof import("../../packages/wire/src/frame-buffer");
  messages: typeof import("../../packages/wire/src/client-messages");
  relay: typeof import("../../packages/session/src/relay");
  output: typeof import("../../packages/session/src/upstream-output");
  recorder: typeof import("../../packages/recording/src/session-recorder");
  redactStatement: typeof import("../../packages/recording/src/redact-statement");
  chunkCodec: typeof import("../../packages/recording/src/chunk-codec");
  masker: typeof import("../../packages/session/src/result-masker");
  redact: typeof import("../../packages/sql/src/redact-literals");
  quickShape: typeof import("../../packages/sql/src/quick-shape");
  decisionPoint: typeof import("../../packages/policy/src/decision-point");
  factsCache: typeof import("../../packages/policy/src/facts-cache");
  catalog: typeof import("../../packages/policy/src/column-catalog");
  code: typeof import("../../packages/policy/src/upstream-code");
  rules: typeof import("../../packages/policy/src/rules");
};

export async function loadTree(root: string): Promise<TreeModules> {
  const from = (file: string) => import(path.join(root, "packages", file));
  // The statement lines redact with the tree's own lexer, which needs its parser loaded.
  await (await from("sql/src/parser.ts")).loadParser();
  return {
    frames: await from("wire/src/frame-buffer.ts"),
    messages: await from("wire/src/client-messages.ts"),
    relay: await from("session/src/relay.ts"),
    output: await from("session/src/upstream-output.ts"),
    recorder: await from("recording/src/session-recorder.ts"),
    redactStatement: await from("recording/src/redact-statement.ts"),
    chunkCodec: await from("recording/src/chunk-codec.ts"),
    masker: await from("session/src/result-masker.ts"),
    redact: await from("sql/src/redact-literals.ts"),
    quickShape: await from("sql/src/quick-shape.ts"),
    decisionPoint: await from("policy/src/decision-point.ts"),
    factsCache: await from("policy/src/facts-cache.ts"),
    catalog: await from("policy/src/column-catalog.ts"),
    code: await from("policy/src/upstream-code.ts"),
    rules: await from("policy/src/rules.ts"),
  };
}

/** pgbench's four tables as the gateway's catalog read lists them (no view, no code). */
const PGBENCH_COLUMNS: [table: string, columns: string[]][] = [
  ["pgbench_accounts", ["aid", "bid", "abalance", "filler"]],
  ["pgbench_branches", ["bid", "bbalance", "filler"]],
  ["pgbench_tellers", ["tid", "bid", "tbalance", "filler"]],
  ["pgbench_history", ["tid", "bid", "aid", "delta", "mtime", "filler"]],
];

/**
 * One session's decision point on the demo-shaped policy of `gateway-cpu.ts` (the demo's guardrails,
 * three masking rules and a review rule by column) over pgbench's catalog, as `relay-path-cost.ts`
 * opens it; `isKeptWhenUnchanged`: the snapshot kept, never due a read (as the kept catalog reader
 * keeps an unchanged one), else read again every 2 s.
 */
export function demoShapedSession(modules: TreeModules, isKeptWhenUnchanged = false) {
  const { rules, catalog, code } = modules;
  const guardrail = (name: string, kind: string, match: unknown) =>
    rules.parseGuardrail({ name, kind, effect: "DENY", match, message: null });
  const masking = (name: string, selector: string, strategy: "HASH" | "REDACT" | "PARTIAL") => ({
    name,
    selector,
    detector: null,
    strategy,
    keepLast: strategy === "PARTIAL" ? 4 : null,
    exemptGroups: [],
  });
  const policy = {
    connectionName: "bench",
    isReadOnly: false,
    guardrails: [
      guardrail("no-drop-truncate", "STATEMENT_KIND", { kinds: ["DROP", "TRUNCATE"] }),
      guardrail("no-unscoped-delete", "MISSING_WHERE", { kinds: ["DELETE"] }),
      guardrail("no-unscoped-update", "MISSING_WHERE", { kinds: ["UPDATE"] }),
      guardrail("no-file-functions", "FUNCTION", { functions: ["pg_read_file", "lo_import"] }),
    ],
    reviews: [
      {
        name: "history-reads",
        match: { columns: ["public.pgbench_history.delta"] },
        reviewerGroups: ["bench-reviewers"],
      },
    ],
    masking: [
      masking("accounts-filler", "public.pgbench_accounts.filler", "HASH"),
      masking("tellers-filler", "public.pgbench_tellers.filler", "REDACT"),
      masking("branches-filler", "public.pgbench_branches.filler", "PARTIAL"),
    ],
  };
  const rows = PGBENCH_COLUMNS.flatMap(([table, columns]) =>
    columns.map((column, index) => ({ schema: "public", table, column, attnum: index + 1, isView: false })),
  );
  const noCode = code.upstreamCode({
    writeRunsCode: [],
    userFunctions: [],
    userOperators: [],
    typeCode: [],
    hasEventTriggers: false,
  });
  let snapshot = catalog.catalogSnapshot(rows, noCode, Date.now());
  if (isKeptWhenUnchanged) snapshot.readAt = undefined;
  const point = modules.decisionPoint.createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
    facts: new modules.factsCache.FactsCache(),
    upstreamUser: () => "bench",
  });
  const columns = {
    current: () => snapshot,
    refresh: () => {
      if (isKeptWhenUnchanged) snapshot.readAt = undefined;
      else snapshot = catalog.catalogSnapshot(rows, noCode, Date.now());
      return Promise.resolve(snapshot);
    },
  };
  const identity = {
    agentId: "a",
    agentName: "bench-agent",
    groups: [],
    connectionId: "c",
    connectionName: "bench",
    sessionId: "s",
  };
  return point.openSession(identity, { login: "bench", columns });
}

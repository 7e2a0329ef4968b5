/**
 * What `relay-path-cost.ts` runs its measures on: a checkout's modules (this tree's or a
 * baseline's, loaded side by side), pgbench's messages and answers as bytes, and a session judged
 * and masked as the gateway opens one on the demo-shaped policy.
 */
import path from "node:path";
import {
  commandComplete,
  cstr,
  dataRow,
  int16,
  int32,
  readyForQuery,
  rowDescription,
  tagged,
} from "../../packages/wire/src/testing";

export type Modules = {
  frames: typeof import("../../packages/wire/src/frame-buffer");
  messages: typeof import("../../packages/wire/src/client-messages");
  relay: typeof import("../../packages/session/src/relay");
  output: typeof import("../../packages/session/src/upstream-output");
  recorder: typeof import("../../packages/recording/src/session-recorder");
  masker: typeof import("../../packages/session/src/result-masker");
  parser: typeof import("../../packages/sql/src/parser");
  redact: typeof import("../../packages/sql/src/redact-literals");
  decisionPoint: typeof import("../../packages/policy/src/decision-point");
  factsCache: typeof import("../../packages/policy/src/facts-cache");
  catalog: typeof import("../../packages/policy/src/column-catalog");
  code: typeof import("../../packages/policy/src/upstream-code");
  rules: typeof import("../../packages/policy/src/rules");
};

export async function load(root: string): Promise<Modules> {
  const from = (file: string) => import(path.join(root, "packages", file));
  // The statement lines redact with the tree's own lexer, which needs its parser loaded.
  await (await from("sql/src/parser.ts")).loadParser();
  return {
    frames: await from("wire/src/frame-buffer.ts"),
    messages: await from("wire/src/client-messages.ts"),
    relay: await from("session/src/relay.ts"),
    output: await from("session/src/upstream-output.ts"),
    recorder: await from("recording/src/session-recorder.ts"),
    masker: await from("session/src/result-masker.ts"),
    parser: await from("sql/src/parser.ts"),
    redact: await from("sql/src/redact-literals.ts"),
    decisionPoint: await from("policy/src/decision-point.ts"),
    factsCache: await from("policy/src/facts-cache.ts"),
    catalog: await from("policy/src/column-catalog.ts"),
    code: await from("policy/src/upstream-code.ts"),
    rules: await from("policy/src/rules.ts"),
  };
}

export const BIND = tagged(
  "B",
  cstr(""),
  cstr("P0_1"),
  int16(0),
  int16(1),
  int32(5),
  Buffer.from("12345"),
  int16(0),
);
export const EXECUTE = tagged("E", cstr(""), int32(0));
export const SYNC = tagged("S");
export const CLIENT_READ = Buffer.concat([BIND, EXECUTE, SYNC]);
export const ANSWER = Buffer.concat([
  tagged("2"),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);

/**
 * The same transaction as libpq sends it on a masked connection (its Describe of the portal) and
 * its answer: `pgbench_accounts.abalance` (table 16400, attribute 3), a column no rule masks, of a
 * table that has a masked column (the demo-shaped policy of `gateway-cpu.ts`).
 */
export const DESCRIBE_PORTAL = tagged("D", Buffer.from("P"), cstr(""));
export const MASKED_CLIENT_MESSAGES = [BIND, DESCRIBE_PORTAL, EXECUTE, SYNC];
export const MASKED_CLIENT_READ = Buffer.concat(MASKED_CLIENT_MESSAGES);
/** pgbench's prepared statement, parsed once before the transactions. */
export const PARSE_SELECT = tagged(
  "P",
  cstr("P0_1"),
  cstr("SELECT abalance FROM pgbench_accounts WHERE aid = $1;"),
  int16(0),
);
export const ACCOUNTS_OID = 16400;
export const MASKED_ANSWER = Buffer.concat([
  tagged("2"),
  rowDescription([{ name: "abalance", table: ACCOUNTS_OID, attnum: 3, type: 23 }]),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);
/** pgbench's simple statement and its answer: the RowDescription comes with every result. */
export const PGBENCH_QUERY = tagged("Q", cstr("SELECT abalance FROM pgbench_accounts WHERE aid = 48213;"));
export const SIMPLE_ANSWER = Buffer.concat([
  rowDescription([{ name: "abalance", table: ACCOUNTS_OID, attnum: 3, type: 23 }]),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);
export const ACCOUNTS_SCOPE = {
  maskedTables: ["public.pgbench_accounts"],
  relations: [["public.pgbench_accounts"]],
};
export const PGBENCH_SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;";

/** Column rules as the gateway compiles them: `filler` (attribute 4) of the accounts is masked. */
export function demoShapedMasking() {
  const catalogRead = {};
  return {
    origins: {
      ruleFor: (tableOid: number, attnum: number) =>
        tableOid === ACCOUNTS_OID && attnum === 4 ? { name: "filler", strategy: "HASH" as const } : null,
    },
    hashKey: Buffer.alloc(32, 7),
    hasColumnRules: true,
    detectors: [],
    isMaskedTable: (names: readonly string[]) => names.includes("public.pgbench_accounts"),
    isOpaqueRelation: () => false,
    planKey: () => catalogRead,
  };
}

/** pgbench's four tables as the gateway's catalog read lists them (no view, no code). */
export const PGBENCH_COLUMNS: [table: string, columns: string[]][] = [
  ["pgbench_accounts", ["aid", "bid", "abalance", "filler"]],
  ["pgbench_branches", ["bid", "bbalance", "filler"]],
  ["pgbench_tellers", ["tid", "bid", "tbalance", "filler"]],
  ["pgbench_history", ["tid", "bid", "aid", "delta", "mtime", "filler"]],
];

/**
 * One session's decision point as the gateway opens it on the demo-shaped policy of `gateway-cpu.ts`
 * (`lib/bench-demo-policy.ts`: the demo's guardrails, three masking rules and a review rule by
 * column) over pgbench's catalog, read again every 2 s as the gateway's catalog is.
 */
export function demoShapedSession(modules: Modules, isKeptWhenUnchanged = false) {
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
  // Kept and never due a read: the measure counts the same instructions however slowly it runs
  // (under callgrind a 5 s old snapshot would have a Bind wait for a read).
  if (isKeptWhenUnchanged) snapshot.readAt = undefined;
  const point = modules.decisionPoint.createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
    facts: new modules.factsCache.FactsCache(),
    upstreamUser: () => "bench",
  });
  const columns = {
    current: () => snapshot,
    refresh: () => {
      // The gateway's kept catalog reader finds the fingerprint unchanged and keeps the same
      // snapshot (what is judged under it holds); otherwise a new read.
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

/** The connection's memo of names its Binds carry, as the transport keeps one; none in a tree without it. */
export function nameMemo(modules: Modules): import("../../packages/wire/src/name-memo").NameMemo | undefined {
  const { NameMemo } = modules.messages as {
    NameMemo?: typeof import("../../packages/wire/src/name-memo").NameMemo;
  };
  return NameMemo ? new NameMemo() : undefined;
}

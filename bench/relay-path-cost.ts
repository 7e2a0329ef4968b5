/**
 * The relay's own per-transaction work, without sockets: what one pgbench -S transaction (prepared:
 * Bind, Execute, Sync in; BindComplete, DataRow, CommandComplete, ReadyForQuery out) costs in the
 * places a checkout changes per message — decoding the client's messages, the upstream read's way
 * to the client (not masked, and on a masked connection for a column no rule masks, prepared and
 * simple), the decision of pgbench's simple statement with a new constant each time (demo-shaped
 * policy), the recording's statement and verdict lines under a masked table, the recording's
 * conversion of what the client got, and a whole prepared transaction through the relay and the
 * masker on a masked connection (client read decoded, judged and noted on its way upstream; the
 * answer paired and passed) —
 * for this checkout and, with a baseline checkout, for that one, interleaved in one process.
 *
 *   ./node_modules/.bin/tsx bench/relay-path-cost.ts [/path/to/baseline/checkout]
 *     BENCH_ROUNDS (default 7), BENCH_TRANSACTIONS per round (default 200000),
 *     BENCH_ONLY=text (only the measures whose name holds it: one path under --cpu-prof),
 *     BENCH_TREES=baseline (the baseline alone: under callgrind, one checkout's instructions)
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
} from "../packages/wire/src/testing";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 200_000);
const ONLY = process.env.BENCH_ONLY ?? "";

type Modules = {
  frames: typeof import("../packages/wire/src/frame-buffer");
  messages: typeof import("../packages/wire/src/client-messages");
  relay: typeof import("../packages/session/src/relay");
  output: typeof import("../packages/session/src/upstream-output");
  recorder: typeof import("../packages/recording/src/session-recorder");
  masker: typeof import("../packages/session/src/result-masker");
  parser: typeof import("../packages/sql/src/parser");
  redact: typeof import("../packages/sql/src/redact-literals");
  decisionPoint: typeof import("../packages/policy/src/decision-point");
  factsCache: typeof import("../packages/policy/src/facts-cache");
  catalog: typeof import("../packages/policy/src/column-catalog");
  code: typeof import("../packages/policy/src/upstream-code");
  rules: typeof import("../packages/policy/src/rules");
};

async function load(root: string): Promise<Modules> {
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

const BIND = tagged(
  "B",
  cstr(""),
  cstr("P0_1"),
  int16(0),
  int16(1),
  int32(5),
  Buffer.from("12345"),
  int16(0),
);
const EXECUTE = tagged("E", cstr(""), int32(0));
const SYNC = tagged("S");
const CLIENT_READ = Buffer.concat([BIND, EXECUTE, SYNC]);
const ANSWER = Buffer.concat([tagged("2"), dataRow(["-4712"]), commandComplete("SELECT 1"), readyForQuery()]);

/**
 * The same transaction as libpq sends it on a masked connection (its Describe of the portal) and
 * its answer: `pgbench_accounts.abalance` (table 16400, attribute 3), a column no rule masks, of a
 * table that has a masked column (the demo-shaped policy of `gateway-cpu.ts`).
 */
const DESCRIBE_PORTAL = tagged("D", Buffer.from("P"), cstr(""));
const MASKED_CLIENT_MESSAGES = [BIND, DESCRIBE_PORTAL, EXECUTE, SYNC];
const MASKED_CLIENT_READ = Buffer.concat(MASKED_CLIENT_MESSAGES);
/** pgbench's prepared statement, parsed once before the transactions. */
const PARSE_SELECT = tagged(
  "P",
  cstr("P0_1"),
  cstr("SELECT abalance FROM pgbench_accounts WHERE aid = $1;"),
  int16(0),
);
const ACCOUNTS_OID = 16400;
const MASKED_ANSWER = Buffer.concat([
  tagged("2"),
  rowDescription([{ name: "abalance", table: ACCOUNTS_OID, attnum: 3, type: 23 }]),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);
/** pgbench's simple statement and its answer: the RowDescription comes with every result. */
const PGBENCH_QUERY = tagged("Q", cstr("SELECT abalance FROM pgbench_accounts WHERE aid = 48213;"));
const SIMPLE_ANSWER = Buffer.concat([
  rowDescription([{ name: "abalance", table: ACCOUNTS_OID, attnum: 3, type: 23 }]),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);
const ACCOUNTS_SCOPE = {
  maskedTables: ["public.pgbench_accounts"],
  relations: [["public.pgbench_accounts"]],
};
const PGBENCH_SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;";

/** Column rules as the gateway compiles them: `filler` (attribute 4) of the accounts is masked. */
function demoShapedMasking() {
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
const PGBENCH_COLUMNS: [table: string, columns: string[]][] = [
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
function demoShapedSession(modules: Modules, isKeptWhenUnchanged = false) {
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

/**
 * CPU µs per pgbench prepared transaction on a masked connection (a column no rule masks), decided
 * by `decisions`: the client's read decoded, judged and noted on its way upstream, the answer paired
 * and passed.
 */
function preparedTransactions(
  modules: Modules,
  decisions: ConstructorParameters<Modules["relay"]["Relay"]>[0]["decisions"],
): number {
  const relay = new modules.relay.Relay({ decisions });
  const masker = new modules.masker.ResultMasker(demoShapedMasking());
  const clientFrames = modules.frames.createClientFrameBuffer();
  clientFrames.setMode("tagged");
  modules.frames.admitAuthenticated(clientFrames);
  const upstreamFrames = modules.frames.createServerFrameBuffer();
  const names = nameMemo(modules);
  const transaction = (read: Buffer, answer: Buffer) => {
    clientFrames.push(Buffer.from(read.buffer, read.byteOffset, read.length));
    for (let frame = clientFrames.next(); frame; frame = clientFrames.next()) {
      const step = relay.handleClient(modules.messages.decodeClientFrame(frame, names), frame.raw);
      if (step instanceof Promise) throw new Error("the relay waited");
      modules.output.clientToUpstream(step, masker);
    }
    upstreamFrames.push(Buffer.from(answer.buffer, answer.byteOffset, answer.length));
    modules.output.upstreamToClient(upstreamFrames, relay, masker, answer.length);
  };
  transaction(Buffer.concat([PARSE_SELECT, SYNC]), Buffer.concat([tagged("1"), readyForQuery()]));
  return timed(() => transaction(MASKED_CLIENT_READ, MASKED_ANSWER));
}

/**
 * CPU µs per pgbench simple transaction on a masked connection (a column no rule masks), judged by
 * the demo-shaped session with a new constant each time: the client's Query decoded, judged and
 * noted on its way upstream, the answer (its RowDescription with every result) paired and passed.
 */
function simpleTransactions(modules: Modules): number {
  const relay = new modules.relay.Relay({ decisions: demoShapedSession(modules, true) });
  const masker = new modules.masker.ResultMasker(demoShapedMasking());
  const clientFrames = modules.frames.createClientFrameBuffer();
  clientFrames.setMode("tagged");
  modules.frames.admitAuthenticated(clientFrames);
  const upstreamFrames = modules.frames.createServerFrameBuffer();
  const names = nameMemo(modules);
  // A new constant each time, each its own read (as a socket's read is a Buffer of its own), made
  // before the measure so that only the relay's work is counted.
  const queries = Array.from({ length: 100_000 }, (_, i) =>
    tagged("Q", cstr(`SELECT abalance FROM pgbench_accounts WHERE aid = ${i + 1};`)),
  );
  let aid = 0;
  const transaction = () => {
    const query = queries[aid] as Buffer;
    aid = (aid + 1) % queries.length;
    clientFrames.push(query);
    for (let frame = clientFrames.next(); frame; frame = clientFrames.next()) {
      const step = relay.handleClient(modules.messages.decodeClientFrame(frame, names), frame.raw);
      if (step instanceof Promise) throw new Error("the relay waited");
      if (step.toUpstream[0] !== frame.raw) throw new Error("not an allow");
      modules.output.clientToUpstream(step, masker);
    }
    upstreamFrames.push(Buffer.from(SIMPLE_ANSWER.buffer, SIMPLE_ANSWER.byteOffset, SIMPLE_ANSWER.length));
    modules.output.upstreamToClient(upstreamFrames, relay, masker, SIMPLE_ANSWER.length);
  };
  // The first statements wait for the facts cache to trust the shape; the measure never does.
  for (let i = 0; i < 1000; i += 1) transaction();
  return timed(transaction);
}

/** The connection's memo of names its Binds carry, as the transport keeps one; none in a tree without it. */
function nameMemo(modules: Modules): import("../packages/wire/src/name-memo").NameMemo | undefined {
  const { NameMemo } = modules.messages as {
    NameMemo?: typeof import("../packages/wire/src/name-memo").NameMemo;
  };
  return NameMemo ? new NameMemo() : undefined;
}

/** CPU µs per transaction of `work`, run `TRANSACTIONS` times. */
function timed(work: () => void): number {
  const before = process.cpuUsage();
  for (let i = 0; i < TRANSACTIONS; i += 1) work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / TRANSACTIONS;
}

function measures(modules: Modules): Record<string, () => number> {
  const decisions = { decide: () => ({ kind: "allow" as const }), version: () => 1 };
  return {
    "client decode (Bind, Execute, Sync)": () => {
      const frames = modules.frames.createClientFrameBuffer();
      frames.setMode("tagged");
      modules.frames.admitAuthenticated(frames);
      const names = nameMemo(modules);
      return timed(() => {
        frames.push(Buffer.from(CLIENT_READ.buffer, CLIENT_READ.byteOffset, CLIENT_READ.length));
        for (let frame = frames.next(); frame; frame = frames.next())
          modules.messages.decodeClientFrame(frame, names);
      });
    },
    "upstream read to client (not masked)": () => {
      const relay = new modules.relay.Relay({ decisions });
      const frames = modules.frames.createServerFrameBuffer();
      return timed(() => {
        // A fresh view per read, as a socket's read is a Buffer of its own.
        frames.push(Buffer.from(ANSWER.buffer, ANSWER.byteOffset, ANSWER.length));
        modules.output.upstreamToClient(frames, relay, null, ANSWER.length);
      });
    },
    "upstream read to client (masked connection, unmasked column)": () => {
      const relay = new modules.relay.Relay({ decisions });
      const masker = new modules.masker.ResultMasker(demoShapedMasking());
      const frames = modules.frames.createServerFrameBuffer();
      return timed(() => {
        for (const message of MASKED_CLIENT_MESSAGES) masker.noteSent(message, ACCOUNTS_SCOPE);
        frames.push(Buffer.from(MASKED_ANSWER.buffer, MASKED_ANSWER.byteOffset, MASKED_ANSWER.length));
        modules.output.upstreamToClient(frames, relay, masker, MASKED_ANSWER.length);
      });
    },
    "upstream read to client (masked connection, unmasked column, simple protocol)": () => {
      const relay = new modules.relay.Relay({ decisions });
      const masker = new modules.masker.ResultMasker(demoShapedMasking());
      const frames = modules.frames.createServerFrameBuffer();
      return timed(() => {
        masker.noteSent(PGBENCH_QUERY, ACCOUNTS_SCOPE);
        frames.push(Buffer.from(SIMPLE_ANSWER.buffer, SIMPLE_ANSWER.byteOffset, SIMPLE_ANSWER.length));
        modules.output.upstreamToClient(frames, relay, masker, SIMPLE_ANSWER.length);
      });
    },
    "decision: pgbench's simple statement, a new constant each time (demo-shaped policy)": () => {
      const session = demoShapedSession(modules);
      let aid = 0;
      const decide = () => {
        aid = (aid % 100_000) + 1;
        const verdict = session.decide({
          sql: `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`,
          via: "simple",
          isUpstreamSettled: true,
        });
        // Only the first statements (the catalog read at the start) wait; the bench never does.
        if (verdict instanceof Promise || verdict.kind !== "allow")
          throw new Error("not a synchronous allow");
      };
      for (let i = 0; i < 1000; i += 1) decide();
      return timed(decide);
    },
    "prepared transaction through relay and masker (masked connection, unmasked column)": () => {
      const verdict = { kind: "allow" as const, ...ACCOUNTS_SCOPE };
      return preparedTransactions(modules, { decide: () => verdict, version: () => 1 });
    },
    "prepared transaction through relay and masker, judged by the demo-shaped session": () =>
      // The session's own decision point: the Parse is judged, and every Bind checks the policy's
      // and the catalog snapshot's versions (the re-judge of a statement under a new snapshot).
      preparedTransactions(modules, demoShapedSession(modules, true)),
    "simple transaction through relay and masker, judged by the demo-shaped session": () =>
      simpleTransactions(modules),
    "recording: a statement and its verdict (masked table, simple protocol)": () => {
      const recorder = new modules.recorder.SessionRecorder({
        resultBytesCap: 1 << 20,
        redactLiterals: modules.redact.redactLiterals,
      });
      let n = 0;
      return timed(() => {
        recorder.verdict(PGBENCH_SELECT, { kind: "allow", maskedTables: ACCOUNTS_SCOPE.maskedTables }, false);
        n += 1;
        if (n % 500 === 0) recorder.drainBytes();
      });
    },
    "recording: copy and convert to NDJSON": () => {
      const recorder = new modules.recorder.SessionRecorder({
        resultBytesCap: 1 << 20,
        redactLiterals: (sql: string) => sql,
      });
      let n = 0;
      return timed(() => {
        recorder.toClientBytes(ANSWER);
        // Drained as the writer does, about once a second: here every 500 transactions.
        n += 1;
        if (n % 500 === 0) recorder.drainBytes();
      });
    },
  };
}

async function main() {
  const here = path.resolve(import.meta.dirname, "..");
  const baseline = process.argv[2];
  // BENCH_TREES=baseline measures the baseline alone (one process's instructions per checkout).
  const trees: [string, Modules][] =
    process.env.BENCH_TREES === "baseline" ? [] : [["this tree", await load(here)]];
  if (baseline) trees.push([`baseline (${baseline})`, await load(path.resolve(baseline))]);
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [tree, modules] of trees) {
      for (const [name, run] of Object.entries(measures(modules))) {
        if (!name.includes(ONLY)) continue;
        const key = `${name}|${tree}`;
        results.set(key, [...(results.get(key) ?? []), run()]);
      }
    }
  }
  console.log("| measure | tree | µs/txn median (range) |\n| --- | --- | --- |");
  for (const [key, values] of results) {
    const [name, tree] = key.split("|");
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    console.log(
      `| ${name} | ${tree} | ${median.toFixed(3)} (${(sorted[0] as number).toFixed(3)}–${(sorted.at(-1) as number).toFixed(3)}) |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

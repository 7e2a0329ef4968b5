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
 *   With a baseline, each measure's ratio this tree / baseline is taken round by round (the rounds
 *   interleave the trees, so a busy machine slows both alike) and reported as median and range.
 *   Run with `node --expose-gc --min-semi-space-size=64 --import tsx` (a young generation that
 *   holds a round unswept) for the bytes each prepared transaction allocates besides.
 */
import path from "node:path";
import { cstr, readyForQuery, tagged } from "../packages/wire/src/testing";
import { allocatedBytes } from "./lib/allocated-bytes";
import {
  ACCOUNTS_SCOPE,
  ANSWER,
  CLIENT_READ,
  demoShapedMasking,
  demoShapedSession,
  load,
  MASKED_ANSWER,
  MASKED_CLIENT_MESSAGES,
  MASKED_CLIENT_READ,
  type Modules,
  nameMemo,
  PARSE_SELECT,
  PGBENCH_QUERY,
  PGBENCH_SELECT,
  SIMPLE_ANSWER,
  SYNC,
} from "./lib/relay-path-fixtures";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 200_000);
const ONLY = process.env.BENCH_ONLY ?? "";

/**
 * CPU µs per pgbench prepared transaction on a masked connection (a column no rule masks), decided
 * by `decisions`: the client's read decoded, judged and noted on its way upstream, the answer paired
 * and passed. Or, `measure`d otherwise, what else each transaction costs (the bytes it allocates).
 */
function preparedTransactions(
  modules: Modules,
  decisions: ConstructorParameters<Modules["relay"]["Relay"]>[0]["decisions"],
  measure: (work: () => void) => number = timed,
): number {
  const relay = new modules.relay.Relay({ decisions });
  const masker = new modules.masker.ResultMasker(demoShapedMasking());
  const clientFrames = modules.frames.createClientFrameBuffer();
  clientFrames.setMode("tagged");
  modules.frames.admitAuthenticated(clientFrames);
  const upstreamFrames = modules.frames.createServerFrameBuffer();
  const names = nameMemo(modules);
  const toUpstream = (message: ReturnType<Modules["messages"]["decodeClientFrame"]>, raw: Buffer) => {
    const step = relay.handleClient(message, raw);
    if (step instanceof Promise) throw new Error("the relay waited");
    modules.output.clientToUpstream(step, masker);
  };
  // As the transport reads a relaying client: each message as its bytes alone where the tree can.
  const { decodeTaggedMessage } = modules.messages as Partial<Modules["messages"]>;
  const isReadRaw = decodeTaggedMessage !== undefined && "nextRaw" in clientFrames;
  const transaction = (read: Buffer, answer: Buffer) => {
    clientFrames.push(Buffer.from(read.buffer, read.byteOffset, read.length));
    if (isReadRaw) {
      for (let raw = clientFrames.nextRaw(); raw; raw = clientFrames.nextRaw())
        toUpstream(decodeTaggedMessage(raw, names), raw);
    } else {
      for (let frame = clientFrames.next(); frame; frame = clientFrames.next())
        toUpstream(modules.messages.decodeClientFrame(frame, names), frame.raw);
    }
    upstreamFrames.push(Buffer.from(answer.buffer, answer.byteOffset, answer.length));
    modules.output.upstreamToClient(upstreamFrames, relay, masker, answer.length);
  };
  transaction(Buffer.concat([PARSE_SELECT, SYNC]), Buffer.concat([tagged("1"), readyForQuery()]));
  return measure(() => transaction(MASKED_CLIENT_READ, MASKED_ANSWER));
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
    ...(allocatedBytes.isAvailable
      ? {
          "bytes allocated per prepared transaction through relay and masker, judged by the demo-shaped session":
            () => preparedTransactions(modules, demoShapedSession(modules, true), allocatedBytes),
        }
      : {}),
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
  // µs per transaction, but for the measure named in bytes.
  console.log("| measure | tree | per txn, median (range) | × baseline per round, median (range) |");
  console.log("| --- | --- | --- | --- |");
  const [first, second] = trees;
  for (const [key, values] of results) {
    const [name, tree] = key.split("|");
    // The same round's value of the other tree: both ran one after the other.
    const baselineValues =
      first && second && tree === first[0] ? results.get(`${name}|${second[0]}`) : undefined;
    const ratios = baselineValues?.map((value, round) => (values[round] as number) / value);
    console.log(`| ${name} | ${tree} | ${spread(values, 3)} | ${ratios ? spread(ratios, 2) : ""} |`);
  }
}

/** The median of `values` and their range, with `digits` decimals. */
function spread(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const low = sorted[0] as number;
  const high = sorted.at(-1) as number;
  return `${median.toFixed(digits)} (${low.toFixed(digits)}–${high.toFixed(digits)})`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

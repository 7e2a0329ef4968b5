import { commandComplete, dataRow, readyForQuery, rowDescription } from "../../packages/wire/src/testing";
import type { TreeModules } from "./simple-query-tree";

const ACCOUNTS_OID = 16400;

/** pgbench's simple answer: `abalance` (attribute 3 of a table with a masked column), one row. */
export const SIMPLE_ANSWER = Buffer.concat([
  rowDescription([{ name: "abalance", table: ACCOUNTS_OID, attnum: 3, type: 23 }]),
  dataRow(["-4712"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
]);

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

type Decisions = ConstructorParameters<TreeModules["relay"]["Relay"]>[0]["decisions"];
type Hooks = {
  onVerdict?: ConstructorParameters<TreeModules["relay"]["Relay"]>[0]["onVerdict"];
  /** What the client got, as the transport hands it to the recording. */
  onClientBytes?: (bytes: Buffer) => void;
};

/**
 * One simple transaction at a time on a masked connection: the client's Query (its own read)
 * decoded, judged and noted on its way upstream; the answer paired, passed and handed to the hooks.
 */
export function simpleQueryRelay(m: TreeModules, decisions: Decisions, hooks: Hooks = {}) {
  const relay = new m.relay.Relay({ decisions, onVerdict: hooks.onVerdict });
  const masker = new m.masker.ResultMasker(demoShapedMasking());
  const clientFrames = m.frames.createClientFrameBuffer();
  clientFrames.setMode("tagged");
  m.frames.admitAuthenticated(clientFrames);
  const upstreamFrames = m.frames.createServerFrameBuffer();
  const names = new m.messages.NameMemo();
  return (query: Buffer) => {
    clientFrames.push(query);
    for (let frame = clientFrames.next(); frame; frame = clientFrames.next()) {
      const step = relay.handleClient(m.messages.decodeClientFrame(frame, names), frame.raw);
      if (step instanceof Promise) throw new Error("the relay waited");
      if (step.toUpstream[0] !== frame.raw) throw new Error("not an allow");
      m.output.clientToUpstream(step, masker);
    }
    upstreamFrames.push(Buffer.from(SIMPLE_ANSWER.buffer, SIMPLE_ANSWER.byteOffset, SIMPLE_ANSWER.length));
    const toClient = m.output.upstreamToClient(upstreamFrames, relay, masker, SIMPLE_ANSWER.length);
    if (toClient) hooks.onClientBytes?.(toClient);
  };
}

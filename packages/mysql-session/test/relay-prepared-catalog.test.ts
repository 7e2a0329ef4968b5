import { encodeOk } from "@sluice/mysql-wire/responses";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { SessionDecisions } from "@sluice/policy/verdict";
import { describe, expect, it } from "vitest";
import { MySqlRelay } from "../src/relay";
import { catalogOf } from "../src/upstream-catalog";

/**
 * A prepared statement's executions go to the catalog as COM_QUERY does: under column rules each
 * is scoped against a catalog checked with the upstream first (a view swapped in since PREPARE is
 * seen), and without any rule none pays that round trip.
 */
const CATALOG = { ...catalogOf([], Date.now(), [], [], { triggers: [], columns: [] }), fingerprint: "f" };

const MASK_EMAIL: MaskingRuleDef = {
  name: "mask-email",
  selector: "*.employees.email",
  detector: null,
  strategy: "REDACT",
  keepLast: null,
  exemptGroups: [],
};

const STATEMENT_ID = 7;

/** COM_STMT_EXECUTE of the statement, no cursor, no parameters. */
const EXECUTE = Buffer.concat([Buffer.from([0x17]), uint32(STATEMENT_ID), Buffer.from([0x00]), uint32(1)]);

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

function relayWith(rules: () => readonly MaskingRuleDef[]) {
  const calls = { isCurrent: 0, refresh: 0 };
  const decisions: SessionDecisions = {
    decide: () => ({ kind: "allow", maskedTables: [], relations: [["shop.items"]] }),
    version: () => 0,
  };
  const relay = new MySqlRelay({
    decisions,
    maskingRules: rules,
    groups: ["analysts"],
    hashKey: Buffer.alloc(32),
    catalog: {
      current: () => CATALOG,
      isCurrent: async () => {
        calls.isCurrent += 1;
        return true;
      },
      refresh: async () => {
        calls.refresh += 1;
        return CATALOG;
      },
    },
    isDeprecateEof: true,
  });
  return { relay, calls };
}

/** PREPARE answered by the upstream: the statement, no parameters, no columns. */
async function prepare(relay: MySqlRelay) {
  const sql = "SELECT id FROM items WHERE id = 1";
  await relay.onClientPacket(0, Buffer.concat([Buffer.from([0x16]), Buffer.from(sql)]), Buffer.alloc(0));
  const ok = Buffer.concat([Buffer.from([0x00]), uint32(STATEMENT_ID), Buffer.alloc(5)]);
  relay.onUpstreamPacket(1, ok);
  expect(relay.isBusy).toBe(false);
}

async function execute(relay: MySqlRelay) {
  const actions = await relay.onClientPacket(0, EXECUTE, EXECUTE);
  expect(actions).toEqual([{ kind: "to-upstream", raw: EXECUTE }]);
  relay.onUpstreamPacket(1, encodeOk({ status: 2 }));
  expect(relay.isBusy).toBe(false);
}

describe("MySqlRelay: a prepared statement's executions and the catalog", () => {
  it("checks the catalog with the upstream before every execution under column rules", async () => {
    const { relay, calls } = relayWith(() => [MASK_EMAIL]);
    await prepare(relay);
    const atPrepare = calls.isCurrent;
    await execute(relay);
    await execute(relay);
    expect(calls.isCurrent - atPrepare).toBe(2);
  });

  it("spares executions the catalog's round trip when no column rule applies", async () => {
    const { relay, calls } = relayWith(() => []);
    await prepare(relay);
    await execute(relay);
    await execute(relay);
    expect(calls).toEqual({ isCurrent: 0, refresh: 0 });
  });

  it("checks again once a rule applies, though none did at PREPARE", async () => {
    let rules: readonly MaskingRuleDef[] = [];
    const { relay, calls } = relayWith(() => rules);
    await prepare(relay);
    await execute(relay);
    rules = [MASK_EMAIL];
    await execute(relay);
    // Read again rather than checked: a statement judged without rules may have changed the schema.
    expect(calls).toEqual({ isCurrent: 0, refresh: 1 });
  });
});

import { parseErr } from "@sluice/mysql-wire/responses";
import type { SessionDecisions, StatementRequest } from "@sluice/policy/verdict";
import { describe, expect, it } from "vitest";
import { MySqlRelay, type RelayAction } from "../src/relay";
import { StatementReading, type StatementReadingOptions } from "../src/statement-reading";
import { catalogOf } from "../src/upstream-catalog";

const CATALOG = catalogOf([{ schema: "shop", table: "employees", type: "BASE TABLE" }], Date.now(), [], [], {
  triggers: [],
  columns: [],
});
const query = (sql: string) => Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]);
const prepare = (sql: string) => Buffer.concat([Buffer.from([0x16]), Buffer.from(sql)]);

/** A relay under a masking rule (it reads every statement itself) with the given reading. */
function relayWith(reading: StatementReadingOptions) {
  const requests: StatementRequest[] = [];
  const decisions: SessionDecisions = {
    decide: (statement) => {
      requests.push(statement);
      return { kind: "allow", maskedTables: ["shop.employees"], relations: [["shop.employees"]] };
    },
    version: () => 0,
  };
  const relay = new MySqlRelay({
    decisions,
    maskingRules: () => [
      {
        name: "mask-email",
        selector: "*.employees.email",
        detector: null,
        strategy: "REDACT",
        keepLast: null,
        exemptGroups: [],
      },
    ],
    groups: ["analysts"],
    hashKey: Buffer.alloc(32),
    catalog: { current: () => CATALOG, isCurrent: async () => true, refresh: async () => CATALOG },
    isDeprecateEof: true,
    reading: new StatementReading(reading),
  });
  return { relay, requests };
}

function refusalOf(actions: RelayAction[]) {
  const [only] = actions;
  if (actions.length !== 1 || only?.kind !== "to-client")
    throw new Error("expected one packet to the client");
  return parseErr(only.payload);
}

const LONG = `SELECT email FROM employees WHERE id IN (${Array.from({ length: 400 }, (_, i) => i).join(",")})`;

describe("the MySQL relay's statement reading", () => {
  it("refuses a statement over the size limit before reading or judging it, as COM_QUERY and as a PREPARE", async () => {
    let offloaded = 0;
    const { relay, requests } = relayWith({
      maxStatementBytes: 1000,
      offload: async () => {
        offloaded += 1;
        throw new Error("not reached");
      },
      offloadAboveChars: 100,
    });
    for (const packet of [query(LONG), prepare(LONG)]) {
      const refused = refusalOf(await relay.onClientPacket(0, packet, Buffer.alloc(0)));
      expect(refused).toMatchObject({ code: 1227, sqlState: "42000" });
      expect(refused.message).toMatch(
        new RegExp(`^statement too long: ${Buffer.byteLength(LONG)} bytes, the gateway judges at most 1000 `),
      );
    }
    expect(offloaded).toBe(0);
    expect(requests).toEqual([]);
    // The session goes on: a short statement is judged and forwarded.
    const actions = await relay.onClientPacket(0, query("SELECT 1"), Buffer.from("raw"));
    expect(actions).toEqual([{ kind: "to-upstream", raw: Buffer.from("raw") }]);
  });

  it("reads a long statement off the loop, and the decision judges that reading", async () => {
    const { read } = await import("@sluice/mysql-sql/off-loop-reader");
    const offloaded: string[] = [];
    const { relay, requests } = relayWith({
      offload: async (sql) => {
        offloaded.push(sql);
        return read(sql);
      },
      offloadAboveChars: 1000,
    });
    await relay.onClientPacket(0, query("SELECT email FROM employees WHERE id = 1"), Buffer.alloc(0));
    await relay.onClientPacket(0, query(LONG), Buffer.alloc(0));
    // Only the long one went to the thread; the short one was read on the loop.
    expect(offloaded).toEqual([LONG]);
    const parsed = requests[1]?.parsed;
    expect(parsed?.ok && parsed.statements.map((facts) => facts.kind)).toEqual(["SELECT"]);
  });

  it("refuses a statement it could not read off the loop (fail closed), never judging it unread", async () => {
    const busy = Object.assign(new Error("too many large statements are waiting to be parsed"), {
      isBusy: true,
    });
    const { relay, requests } = relayWith({ offload: () => Promise.reject(busy), offloadAboveChars: 1000 });
    const refused = refusalOf(await relay.onClientPacket(0, query(LONG), Buffer.alloc(0)));
    expect(refused.code).toBe(1227);
    expect(refused.message).toMatch(/^the statement could not be judged, so it was not run: too many large/);
    expect(requests).toEqual([]);
  });
});

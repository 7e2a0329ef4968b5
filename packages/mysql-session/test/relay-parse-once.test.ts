import type { SessionDecisions, StatementRequest } from "@sluice/policy/verdict";
import type { ParsedStatements } from "@sluice/sql/facts";
import { describe, expect, it, vi } from "vitest";
import { MySqlRelay } from "../src/relay";
import { catalogOf } from "../src/upstream-catalog";

/** Counts the grammar's readings: the relay's masking and the decision must share one. */
const readings = vi.hoisted(() => ({ count: 0 }));
vi.mock("@sluice/mysql-sql/parse", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@sluice/mysql-sql/parse")>();
  return {
    ...actual,
    readMySql: (sql: string) => {
      readings.count += 1;
      return actual.readMySql(sql);
    },
  };
});

const CATALOG = catalogOf([{ schema: "shop", table: "employees", type: "BASE TABLE" }], Date.now(), [], [], {
  triggers: [],
  columns: [],
});
const query = (sql: string) => Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]);

function relayWith(rules: "masking" | "none") {
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
    maskingRules: () =>
      rules === "none"
        ? []
        : [
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
  });
  return { relay, requests };
}

describe("the MySQL relay reads a statement once", () => {
  it("when masking applies, the decision judges the reading masking uses", async () => {
    const { relay, requests } = relayWith("masking");
    readings.count = 0;
    await relay.onClientPacket(0, query("SELECT name, email FROM employees WHERE id = 1"), Buffer.alloc(0));
    expect(readings.count).toBe(1);
    const parsed = requests[0]?.parsed as ParsedStatements;
    expect(parsed.ok && parsed.statements.map((facts) => facts.kind)).toEqual(["SELECT"]);
  });

  it("without masking rules but with the catalog in use, the decision judges the relay's reading", async () => {
    // The relay needs the statement's kinds (may it change the catalog?) once the session uses it.
    const { relay, requests } = relayWith("none");
    await relay.followedColumns();
    readings.count = 0;
    await relay.onClientPacket(0, query("SELECT name FROM employees"), Buffer.alloc(0));
    expect(readings.count).toBe(1);
    const parsed = requests[0]?.parsed as ParsedStatements;
    expect(parsed.ok && parsed.statements.map((facts) => facts.kind)).toEqual(["SELECT"]);
  });

  it("without masking rules or the catalog in use, the decision point parses (and caches) it alone", async () => {
    const { relay, requests } = relayWith("none");
    readings.count = 0;
    await relay.onClientPacket(0, query("SELECT name FROM employees"), Buffer.alloc(0));
    expect(readings.count).toBe(0);
    expect(requests[0]?.parsed).toBeUndefined();
  });
});

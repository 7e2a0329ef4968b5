import { parseMySql } from "@sluice/mysql-sql/parse";
import { foreignKeyCascades } from "@sluice/policy/foreign-key-cascades";
import { type OwnerWrite, unknownOwnerWrites } from "@sluice/policy/owner-writes";
import { unknownViewReads, type ViewRead } from "@sluice/policy/view-reads";
import { describe, expect, it } from "vitest";
import type { SessionContext } from "../src/engine";
import { writeReach } from "../src/write-reach";

/**
 * A TABLE rule on writes to shop.orders followed through the triggers a write fires (MySQL reads
 * their bodies): to a fixed point with views and cascades, a body Sluice cannot judge or an
 * untrusted call counting as writing every table, and nothing known without the triggers.
 */
const isCovered = (name: string) => name.toLowerCase() === "shop.orders";

function facts(sql: string) {
  const parsed = parseMySql(sql);
  if (!parsed.ok || !parsed.statements[0]) throw new Error(`unparsed: ${sql}`);
  return parsed.statements[0];
}

function session(
  triggers: Record<string, OwnerWrite[]>,
  extra: Partial<SessionContext> = {},
): SessionContext {
  return {
    searchPath: ["shop"],
    implicitSchemas: new Set(),
    prepared: new Map(),
    viewReads: Object.assign(new Map<string, ViewRead>(), { isCaseFolded: true }),
    ownerWrites: Object.assign(new Map(Object.entries(triggers)), { isCaseFolded: true }),
    ...extra,
  };
}

const writes = (source: string, via: string, ...tables: string[]): OwnerWrite => ({
  source,
  via,
  writes: tables,
  calls: [],
});

describe("writeReach through triggers", () => {
  it("follows a trigger's writes, and chains of them, to the covered table", () => {
    const chain = session({
      "shop.inbox": [writes("trigger inbox_relay", "shop.inbox", "shop.relay")],
      "shop.relay": [writes("trigger relay_purge", "shop.relay", "shop.Orders")],
    });
    expect(writeReach(facts("INSERT INTO inbox VALUES (1)"), chain, isCovered)).toBe(
      "INSERT writes shop.inbox, whose triggers write shop.Orders (shop.inbox → trigger inbox_relay writes shop.relay → trigger relay_purge writes shop.Orders)",
    );
    expect(writeReach(facts("INSERT INTO relay VALUES (1)"), chain, isCovered)).toMatch(
      /whose triggers write/,
    );
  });

  it("composes with views and cascades", () => {
    const composed = session(
      { "shop.customers": [writes("trigger c_audit", "shop.customers", "shop.accounts")] },
      {
        viewReads: Object.assign(
          new Map<string, ViewRead>([["shop.cv", [{ schema: "shop", table: "customers", column: "id" }]]]),
          { isCaseFolded: true },
        ),
        cascades: foreignKeyCascades(
          [{ referenced: "shop.accounts", referencing: "shop.orders", changes: true }],
          true,
        ),
      },
    );
    expect(writeReach(facts("DELETE FROM cv WHERE id = 1"), composed, isCovered)).toBe(
      "DELETE writes through shop.cv into a table the rule covers (shop.cv → view over shop.customers → trigger c_audit writes shop.accounts → foreign key cascade into shop.orders)",
    );
  });

  it("counts a body it cannot judge, or an untrusted call, as writing every table", () => {
    const loop = session({
      "shop.refunds": [{ source: "trigger r", via: "shop.refunds", whyUnjudged: "a loop" }],
    });
    expect(writeReach(facts("DELETE FROM refunds WHERE id = 1"), loop, isCovered)).toMatch(
      /runs the table owner's trigger r on shop.refunds: Sluice cannot judge its body \(a loop\)/,
    );
    const call = session({
      "shop.claims": [
        {
          source: "trigger c",
          via: "shop.claims",
          writes: [],
          calls: [{ schema: null, name: "zero_order" }],
        },
      ],
    });
    const sql = facts("INSERT INTO claims VALUES (1)");
    expect(writeReach(sql, call, isCovered)).toMatch(/calls zero_order\(\).*functions: \["zero_order"\]/);
    expect(writeReach(sql, call, isCovered, (fn) => fn.name === "zero_order")).toBeNull();
  });

  it("lets through a write whose triggers reach no covered table", () => {
    const log = session({ "shop.notes": [writes("trigger notes_log", "shop.notes", "shop.note_log")] });
    expect(writeReach(facts("INSERT INTO notes VALUES (1)"), log, isCovered)).toBeNull();
  });

  it("follows no trigger of a table that only an InnoDB cascade changes", () => {
    const triggers = {
      "shop.ledger": [writes("trigger ledger_zero", "shop.ledger", "shop.orders")],
      "shop.inbox": [writes("trigger inbox_ledger", "shop.inbox", "shop.ledger")],
    };
    const keys = [{ referenced: "shop.accounts", referencing: "shop.ledger", changes: true }];
    const sql = facts("DELETE FROM accounts WHERE id = 1");
    const innodb = session(triggers, { cascades: foreignKeyCascades(keys, true, false) });
    expect(writeReach(sql, innodb, isCovered)).toBeNull();
    // PostgreSQL's cascades are statements on the referencing table: its triggers run.
    const postgres = session(triggers, { cascades: foreignKeyCascades(keys, true) });
    expect(writeReach(sql, postgres, isCovered)).toMatch(
      /cascade into shop.ledger → trigger ledger_zero writes shop.orders/,
    );
    // Reached by the cascade first, then by a trigger's own DELETE, which fires them.
    const both = session(
      { ...triggers, "shop.accounts": [writes("trigger accounts_feed", "shop.accounts", "shop.inbox")] },
      { cascades: foreignKeyCascades(keys, true, false) },
    );
    expect(writeReach(sql, both, isCovered)).toMatch(
      /inbox_ledger writes shop.ledger → trigger ledger_zero writes shop.orders/,
    );
  });

  it("counts a table whose triggers the catalog may have missed as writing every table", () => {
    const hidden = (name: string) => name === "shop.customers" || name === "shop.relay";
    const triggers = { "shop.inbox": [writes("trigger inbox_relay", "shop.inbox", "shop.relay")] };
    const withSight = {
      ...session(triggers),
      ownerWrites: Object.assign(new Map(Object.entries(triggers)), {
        isCaseFolded: true,
        whyTriggersUnseen: (name: string, isNamed: boolean) =>
          hidden(name) ? `no TRIGGER on ${name} (${isNamed ? "named" : "reached"})` : null,
      }),
    };
    expect(writeReach(facts("INSERT INTO customers VALUES (1)"), withSight, isCovered)).toBe(
      "INSERT writes shop.customers, whose triggers Sluice cannot see (no TRIGGER on shop.customers (named)), so they count as writing every table, the rule's among them; an admin can give the brokered login TRIGGER on it",
    );
    expect(writeReach(facts("INSERT INTO inbox VALUES (1)"), withSight, isCovered)).toMatch(
      /writes shop.inbox → trigger inbox_relay writes shop.relay, whose triggers Sluice cannot see \(no TRIGGER on shop.relay \(reached\)\)/,
    );
    expect(writeReach(facts("INSERT INTO notes VALUES (1)"), withSight, isCovered)).toBeNull();
  });

  it("refuses every write when the triggers are unknown", () => {
    const unknown = { ...session({}), ownerWrites: unknownOwnerWrites("no triggers read") };
    expect(writeReach(facts("INSERT INTO notes VALUES (1)"), unknown, isCovered)).toMatch(
      /notes, whose triggers may write a table the rule covers: no triggers read/,
    );
    const unread = { ...session({}), viewReads: unknownViewReads("unread") };
    expect(writeReach(facts("INSERT INTO notes VALUES (1)"), unread, isCovered)).not.toBeNull();
  });
});

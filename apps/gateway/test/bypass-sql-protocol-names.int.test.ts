import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataRowValues, extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE, seedMaskedShop } from "./support/masked-shop";
import { exchangeBatches, leakedIn } from "./support/portal-exchange";
import { bytes, errorFields } from "./support/raw-client";

/**
 * SQL cursors and the extended protocol's portals are one namespace on the server, and so are SQL
 * PREPAREd and Parsed statements (red14). SQL
 * FETCH reads a portal a Bind made, and SQL CLOSE, DECLARE and the end of a (sub)transaction drop or
 * replace a portal the gateway saw bound, with no ReadyForQuery in between when pipelined. Before
 * the fix, the rows of such a portal were masked by the FETCH's own (empty) scope or by the clean
 * Bind that once had the name, and the computed columns below arrived in clear. The oracle is the
 * masked shop's real values; each case returns every customer's row. Likewise a Parsed clean
 * statement DEALLOCATEd (or dropped by DEALLOCATE ALL, DISCARD ALL) and its name PREPAREd by SQL
 * over masked columns was bound as the clean statement judged at its Parse; such a Bind is now
 * refused as one of a name the session never Parsed.
 */
let harness: Harness;
const PEOPLE = MASKED_PEOPLE.length;
/** Computed from masked columns: no column origin to mask by, only the statement's scope. */
const COMPUTED = "SELECT ssn || '' AS s, email || '' AS e FROM customers ORDER BY id";
const CLEAN = "SELECT status || '' AS s, status AS e FROM orders ORDER BY id";

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

const query = (sql: string) => bytes.query(sql);

const CASES: { name: string; batches: Buffer[][] }[] = [
  {
    name: "a portal a Bind made, read by a simple-Query FETCH",
    batches: [
      [query("BEGIN")],
      [extended.parse("s", COMPUTED), extended.bind("k", "s"), extended.sync()],
      [query("FETCH ALL FROM k")],
    ],
  },
  {
    name: "a portal a Bind made, read by an extended FETCH in the same pipeline",
    batches: [
      [query("BEGIN")],
      [
        extended.parse("s", COMPUTED),
        extended.bind("k", "s"),
        extended.parse("f", "FETCH ALL FROM k"),
        extended.bind("", "f"),
        extended.execute(""),
        extended.sync(),
      ],
    ],
  },
  {
    name: "a clean Bind's portal CLOSEd by SQL and its name DECLAREd over masked columns",
    batches: [
      [query("BEGIN")],
      [extended.parse("c", CLEAN), extended.bind("k", "c"), extended.sync()],
      [query("CLOSE k")],
      [query(`DECLARE k CURSOR FOR ${COMPUTED}`)],
      [extended.execute("k"), extended.sync()],
    ],
  },
  {
    name: "a clean Bind's portal dropped by ROLLBACK TO SAVEPOINT, its name DECLAREd again",
    batches: [
      [query("BEGIN")],
      [query("SAVEPOINT s")],
      [extended.parse("c", CLEAN), extended.bind("k", "c"), extended.sync()],
      [query("ROLLBACK TO s")],
      [query(`DECLARE k CURSOR FOR ${COMPUTED}`)],
      [extended.execute("k"), extended.sync()],
    ],
  },
  {
    name: "a clean Bind's portal dropped by a COMMIT inside one pipeline, its name DECLAREd WITH HOLD",
    batches: [
      [
        extended.parse("c", CLEAN),
        extended.parse("b", "BEGIN"),
        extended.bind("", "b"),
        extended.execute(""),
        extended.bind("k", "c"),
        extended.parse("m", "COMMIT"),
        extended.bind("x", "m"),
        extended.execute("x"),
        extended.parse("d", `DECLARE k CURSOR WITH HOLD FOR ${COMPUTED}`),
        extended.bind("y", "d"),
        extended.execute("y"),
        extended.execute("k"),
        extended.sync(),
      ],
    ],
  },
];

describe("SQL and the protocol share portal names: every row is masked by the portal it comes from", () => {
  for (const { name, batches } of CASES) {
    it(name, async () => {
      const messages = await exchangeBatches(harness, batches);
      expect(messages.filter((message) => message.type === "E")).toEqual([]);
      expect(messages.filter((message) => message.type === "D")).toHaveLength(PEOPLE);
      expect(leakedIn(messages)).toEqual([]);
    });
  }

  it("still shows a clean Bind's computed columns to a FETCH of its portal", async () => {
    const messages = await exchangeBatches(harness, [
      [query("BEGIN")],
      [
        extended.parse("s", "SELECT status || '!' AS s FROM orders ORDER BY id"),
        extended.bind("k", "s"),
        extended.sync(),
      ],
      [query("FETCH ALL FROM k")],
    ]);
    const rows = messages
      .filter((message) => message.type === "D")
      .map((message) => dataRowValues(message.body));
    expect(rows).toEqual([["paid!"], ["shipped!"], ["returned!"]]);
  });
});

/** A SQL PREPARE given a Parsed statement's name, after SQL dropped it, bound through the protocol. */
const REUSES: { name: string; batches: Buffer[][] }[] = [
  ...["DEALLOCATE s", "DEALLOCATE ALL", "DEALLOCATE PREPARE ALL", "DISCARD ALL"].map((drop) => ({
    name: `${drop}, then PREPARE s over masked columns`,
    batches: [
      [extended.parse("s", CLEAN), extended.sync()],
      [query(drop)],
      [query(`PREPARE s AS ${COMPUTED}`)],
      [extended.bind("k", "s"), extended.execute("k"), extended.sync()],
    ],
  })),
  {
    name: "DEALLOCATE s and PREPARE s pipelined between the Parse and the Bind",
    batches: [
      [
        extended.parse("s", CLEAN),
        extended.parse("", "DEALLOCATE s"),
        extended.bind("", ""),
        extended.execute(""),
        extended.parse("", `PREPARE s AS ${COMPUTED}`),
        extended.bind("", ""),
        extended.execute(""),
        extended.bind("k", "s"),
        extended.execute("k"),
        extended.sync(),
      ],
    ],
  },
];

describe("a Parsed statement's name given to a SQL PREPARE is never bound as the statement judged at Parse", () => {
  for (const { name, batches } of REUSES) {
    it(name, async () => {
      const messages = await exchangeBatches(harness, batches);
      expect(leakedIn(messages)).toEqual([]);
      expect(messages.filter((message) => message.type === "D")).toEqual([]);
      const errors = messages
        .filter((message) => message.type === "E")
        .map((message) => errorFields(message.body));
      expect(errors.at(-1)).toMatchObject({ C: "26000", M: 'prepared statement "s" does not exist' });
    });
  }

  it("still binds a Parsed statement a DEALLOCATE of another name left alone", async () => {
    const messages = await exchangeBatches(harness, [
      [extended.parse("s", "SELECT status || '!' AS s FROM orders ORDER BY id"), extended.sync()],
      [query("PREPARE other AS SELECT 1")],
      [query("DEALLOCATE other")],
      [extended.bind("k", "s"), extended.execute("k"), extended.sync()],
    ]);
    const rows = messages
      .filter((message) => message.type === "D")
      .map((message) => dataRowValues(message.body));
    expect(rows).toEqual([["paid!"], ["shipped!"], ["returned!"]]);
  });
});

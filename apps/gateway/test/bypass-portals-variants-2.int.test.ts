import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE, seedMaskedShop } from "./support/masked-shop";
import { CLEAN_STATEMENT, exchangeBatches, leakedIn, MASKED_STATEMENT } from "./support/portal-exchange";
import { bytes } from "./support/raw-client";

/**
 * Issue 14's second class, second round of held-back variants: result state that could be carried
 * from one result to another — a SQL cursor fetched through the extended protocol after a clean
 * Describe, a simple Query between a masked portal's Bind and its Execute, one masked statement
 * bound twice (text and binary) around a clean portal, a statement Described clean whose unnamed
 * portal is re-bound masked, a portal closed part-way and its name re-bound, an error between a
 * clean Describe and a masked Execute, SQL PREPARE run by an extended EXECUTE. Every DataRow must be
 * masked by its own portal's columns.
 */
let harness: Harness;
const MASKED = MASKED_STATEMENT;
const CLEAN = CLEAN_STATEMENT;
const PEOPLE = MASKED_PEOPLE.length;

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

const leaked = leakedIn;
const exchange = (batches: Buffer[][]) => exchangeBatches(harness, batches);

const VARIANTS: { name: string; batches: Buffer[][]; rows: number; errors?: number }[] = [
  {
    name: "a SQL cursor over the masked table, fetched through the extended protocol after a clean Describe",
    batches: [
      [bytes.query("BEGIN")],
      [bytes.query(`DECLARE k CURSOR FOR ${MASKED}`)],
      [
        extended.parse("clean", CLEAN),
        extended.bind("pc", "clean"),
        extended.describe("P", "pc"),
        extended.parse("fetch", "FETCH ALL FROM k"),
        extended.bind("pf", "fetch"),
        extended.execute("pf"),
        extended.sync(),
      ],
    ],
    rows: PEOPLE,
  },
  {
    name: "a simple Query of a clean table between a masked portal's Bind and its Execute",
    batches: [
      [bytes.query("BEGIN")],
      [extended.parse("masked", MASKED), extended.bind("pm", "masked"), extended.sync()],
      [bytes.query(CLEAN)],
      [extended.execute("pm"), extended.sync()],
    ],
    rows: 3 + PEOPLE,
  },
  {
    name: "one masked statement bound in text and in binary around a clean portal, executed in turn",
    batches: [
      [
        extended.parse("masked", MASKED),
        extended.parse("clean", CLEAN),
        extended.bind("a", "masked", [0]),
        extended.bind("b", "clean"),
        extended.bind("c", "masked", [1]),
        extended.describe("P", "b"),
        extended.execute("c", 2),
        extended.execute("b"),
        extended.execute("a"),
        extended.sync(),
      ],
    ],
    rows: 2 + 3 + PEOPLE,
  },
  {
    name: "the clean statement Described, the unnamed portal bound masked and executed with no Describe of its own",
    batches: [
      [
        extended.parse("clean", CLEAN),
        extended.parse("masked", MASKED),
        extended.describe("S", "clean"),
        extended.bind("", "masked"),
        extended.execute(""),
        extended.sync(),
      ],
    ],
    rows: PEOPLE,
  },
  {
    name: "a masked portal closed part-way, its name re-bound to the clean statement, then to the masked one again",
    batches: [
      [bytes.query("BEGIN")],
      [
        extended.parse("masked", MASKED),
        extended.parse("clean", CLEAN),
        extended.bind("p", "masked"),
        extended.execute("p", 1),
        extended.close("P", "p"),
        extended.bind("p", "clean"),
        extended.describe("P", "p"),
        extended.execute("p"),
        extended.close("P", "p"),
        extended.bind("p", "masked"),
        extended.execute("p"),
        extended.sync(),
      ],
    ],
    rows: 1 + 3 + PEOPLE,
  },
  {
    name: "an error between a clean Describe and the next batch's masked Execute",
    batches: [
      [
        extended.parse("masked", MASKED),
        extended.parse("clean", CLEAN),
        extended.bind("pc", "clean"),
        extended.describe("P", "pc"),
        extended.parse("boom", "SELECT 1 / 0"),
        extended.bind("pb", "boom"),
        extended.execute("pb"),
        extended.sync(),
      ],
      [extended.bind("", "masked"), extended.execute(""), extended.sync()],
    ],
    rows: PEOPLE,
    errors: 1,
  },
  {
    name: "SQL PREPARE of the masked query, run by an extended EXECUTE after a clean portal was described",
    batches: [
      [bytes.query(`PREPARE pm AS ${MASKED}`)],
      [
        extended.parse("clean", CLEAN),
        extended.bind("pc", "clean"),
        extended.describe("P", "pc"),
        extended.parse("run", "EXECUTE pm"),
        extended.bind("pr", "run"),
        extended.execute("pr"),
        extended.execute("pc"),
        extended.sync(),
      ],
    ],
    rows: PEOPLE + 3,
  },
];

describe("per-portal result masking: held-back interleavings, second round", () => {
  for (const variant of VARIANTS) {
    it(variant.name, async () => {
      const messages = await exchange(variant.batches);
      expect(messages.filter((m) => m.type === "E").length).toBe(variant.errors ?? 0);
      expect(messages.filter((m) => m.type === "D").length).toBe(variant.rows);
      expect(leaked(messages)).toEqual([]);
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE, seedMaskedShop } from "./support/masked-shop";
import { CLEAN_STATEMENT, exchangeBatches, leakedIn, MASKED_STATEMENT } from "./support/portal-exchange";
import { bytes } from "./support/raw-client";

/**
 * Held-back variants of issue 14's second class: the same portal or statement name re-bound after
 * a Close, the unnamed portal and statement reused, a portal suspended by a row limit while another
 * is described, batches pipelined behind a Flush with no Sync, portals that outlive a Sync in a
 * transaction, binary formats. Every DataRow must be masked by its own portal's columns.
 */
let harness: Harness;
const MASKED = MASKED_STATEMENT;
const CLEAN = CLEAN_STATEMENT;

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

const leaked = leakedIn;
const exchange = (batches: Buffer[][]) => exchangeBatches(harness, batches);

const VARIANTS: { name: string; batches: Buffer[][]; rows: number }[] = [
  {
    name: "a named portal closed after its clean Describe, re-bound to the masked statement",
    batches: [
      [
        extended.parse("clean", CLEAN),
        extended.parse("masked", MASKED),
        extended.bind("px", "clean"),
        extended.describe("P", "px"),
        extended.close("P", "px"),
        extended.bind("px", "masked"),
        extended.execute("px"),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "the unnamed portal described clean, then re-bound masked and executed",
    batches: [
      [
        extended.parse("clean", CLEAN),
        extended.parse("masked", MASKED),
        extended.bind("", "clean"),
        extended.describe("P", ""),
        extended.bind("", "masked"),
        extended.execute(""),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "a masked portal suspended by a row limit while a clean one is described, then resumed",
    batches: [
      [bytes.query("BEGIN")],
      [
        extended.parse("clean", CLEAN),
        extended.parse("masked", MASKED),
        extended.bind("p1", "masked"),
        extended.bind("p2", "clean"),
        extended.execute("p1", 2),
        extended.describe("P", "p2"),
        extended.execute("p1", 0),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "a clean batch flushed without Sync, then a masked portal never described",
    batches: [
      [
        extended.parse("", CLEAN),
        extended.bind("", ""),
        extended.describe("P", ""),
        extended.execute(""),
        extended.flush(),
        extended.parse("m", MASKED),
        extended.bind("", "m"),
        extended.execute(""),
        extended.sync(),
      ],
    ],
    rows: 3 + MASKED_PEOPLE.length,
  },
  {
    name: "a named statement described clean, closed, and parsed again masked under the same name",
    batches: [
      [
        extended.parse("s", CLEAN),
        extended.describe("S", "s"),
        extended.close("S", "s"),
        extended.parse("s", MASKED),
        extended.bind("", "s"),
        extended.execute(""),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "the unnamed statement parsed clean, bound, parsed again masked; the old portal described",
    batches: [
      [
        extended.parse("", CLEAN),
        extended.bind("p1", ""),
        extended.parse("", MASKED),
        extended.bind("p2", ""),
        extended.describe("P", "p1"),
        extended.execute("p2"),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "a masked portal that outlives a Sync in a transaction, executed after a clean Describe",
    batches: [
      [bytes.query("BEGIN")],
      [extended.parse("masked", MASKED), extended.bind("p1", "masked"), extended.sync()],
      [
        extended.parse("clean", CLEAN),
        extended.bind("p2", "clean"),
        extended.describe("P", "p2"),
        extended.execute("p1"),
        extended.sync(),
      ],
    ],
    rows: MASKED_PEOPLE.length,
  },
  {
    name: "a masked portal in binary beside a clean one in text, executed alternately",
    batches: [
      [bytes.query("BEGIN")],
      [
        extended.parse("clean", CLEAN),
        extended.parse("masked", MASKED),
        extended.bind("pb", "masked", [1]),
        extended.bind("pt", "clean", [0]),
        extended.describe("P", "pt"),
        extended.execute("pb", 1),
        extended.execute("pt", 1),
        extended.execute("pb", 0),
        extended.sync(),
      ],
    ],
    rows: 1 + MASKED_PEOPLE.length,
  },
];

describe("per-portal result masking: held-back interleavings", () => {
  for (const variant of VARIANTS) {
    it(variant.name, async () => {
      const messages = await exchange(variant.batches);
      expect(messages.filter((m) => m.type === "E")).toEqual([]);
      expect(messages.filter((m) => m.type === "D").length).toBe(variant.rows);
      expect(leaked(messages)).toEqual([]);
    });
  }
});

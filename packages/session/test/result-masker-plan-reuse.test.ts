import { REDACTED_TEXT } from "@sluice/masking/strategies";
import { isPassedInPlace, ResultMasker, type SessionMasking } from "@sluice/session/result-masker";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { cstr, dataRow, tagged, rowDescription as wireRowDescription } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import type { ResultScope } from "../src/result-scope";

/**
 * A statement run again gets a new result source each time; the plan made for its columns is
 * reused only when nothing it was made from changed: the columns, the catalog under the session's
 * rules (the plan key), and what the verdict's scope says.
 */
describe("ResultMasker plan reuse", () => {
  it("masks a statement run again by its first run's plan, without asking the catalog again", () => {
    const catalog = countingCatalog();
    const masker = new ResultMasker(catalog.masking);
    const first = run(
      masker,
      READS_CUSTOMERS,
      [
        [100, 1],
        [100, 2],
      ],
      ["1", "123-45-6789"],
    );
    const asked = catalog.questions();
    const second = run(
      masker,
      READS_CUSTOMERS,
      [
        [100, 1],
        [100, 2],
      ],
      ["2", "987-65-4321"],
    );
    expect(catalog.questions()).toBe(asked);
    for (const [out, ssn] of [
      [first, "123-45-6789"],
      [second, "987-65-4321"],
    ] as const) {
      expect(out).not.toContain(ssn);
      expect(out).toContain(REDACTED_TEXT);
    }
  });

  it("makes a new plan under a new catalog read", () => {
    const catalog = countingCatalog();
    const masker = new ResultMasker(catalog.masking);
    expect(
      run(
        masker,
        READS_CUSTOMERS,
        [
          [100, 1],
          [100, 2],
        ],
        ["41", "x"],
      ),
    ).toContain("41");
    // The next read masks the id column too.
    catalog.masksIdToo();
    expect(
      run(
        masker,
        READS_CUSTOMERS,
        [
          [100, 1],
          [100, 2],
        ],
        ["42", "x"],
      ),
    ).not.toContain("42");
  });

  it("asks again for every result while the catalog met a relation it does not know", () => {
    const catalog = countingCatalog();
    catalog.meetsUnknown();
    const masker = new ResultMasker(catalog.masking);
    run(
      masker,
      READS_CUSTOMERS,
      [
        [100, 1],
        [100, 2],
      ],
      ["1", "x"],
    );
    const asked = catalog.questions();
    run(
      masker,
      READS_CUSTOMERS,
      [
        [100, 1],
        [100, 2],
      ],
      ["1", "x"],
    );
    expect(catalog.questions()).toBeGreaterThan(asked);
  });

  it("gives the same columns under a verdict that reads a masked table a plan of their own", () => {
    const catalog = countingCatalog();
    const masker = new ResultMasker(catalog.masking);
    // One relations list (a verdict's own, handed over as is): only the other fields differ.
    const relations = [["public.orders"]];
    const clean: ResultScope = { maskedTables: [], relations };
    const masked: ResultScope = { maskedTables: ["public.customers"], relations };
    const unknown: ResultScope = { maskedTables: [], relations, isOriginUnknown: true };
    const lineage: ResultScope = { maskedTables: ["public.customers"], relations, cleanOutputs: [true] };
    // A computed column (no table), each run differing from the one before in one field only:
    // clear while no masked table is read, masked once one is or its origin is unknown, clear
    // again where lineage proves it computed from no masked column.
    expect(run(masker, clean, [[0, 0]], ["computed-1"])).toContain("computed-1");
    expect(run(masker, unknown, [[0, 0]], ["computed-2"])).not.toContain("computed-2");
    expect(run(masker, clean, [[0, 0]], ["computed-3"])).toContain("computed-3");
    expect(run(masker, masked, [[0, 0]], ["computed-4"])).not.toContain("computed-4");
    expect(run(masker, lineage, [[0, 0]], ["computed-5"])).toContain("computed-5");
    // Another verdict's relations: this one reads the masked table under a name of its own.
    const readsCustomers: ResultScope = { maskedTables: [], relations: [["public.customers"]] };
    expect(run(masker, clean, [[0, 0]], ["computed-6"])).toContain("computed-6");
    expect(run(masker, readsCustomers, [[0, 0]], ["computed-7"])).not.toContain("computed-7");
  });

  it("masks every result of one simple Query by its own columns, rows after a notice included (load9)", () => {
    const catalog = countingCatalog();
    const masker = new ResultMasker(catalog.masking);
    masker.noteSent(
      tagged("Q", cstr("SELECT id, ssn FROM customers; SELECT ssn FROM customers")),
      READS_CUSTOMERS,
    );
    const out = new OutputBuffer(256);
    const notice = tagged("N", Buffer.from("SNOTICE\0Mhello\0\0"));
    for (const message of [
      wireRowDescription([
        { name: "id", table: 100, attnum: 1, type: 25 },
        { name: "ssn", table: 100, attnum: 2, type: 25 },
      ]),
      dataRow(["id-41", "123-45-6789"]),
      notice,
      dataRow(["id-42", "987-65-4321"]),
      tagged("C", Buffer.from("SELECT 2\0")),
      // The second result: the masked column alone, where the first result's clear id was.
      wireRowDescription([{ name: "ssn", table: 100, attnum: 2, type: 25 }]),
      dataRow(["555-00-1111"]),
      tagged("C", Buffer.from("SELECT 1\0")),
      tagged("Z", Buffer.from("I")),
    ]) {
      if (message[0] === 0x44) masker.maskRowsInto(message, 0, message.length, out);
      else masker.maskInto(message[0] as number, message.subarray(5), message, out);
    }
    const text = out.take().toString("latin1");
    expect(text).not.toContain("123-45-6789");
    expect(text).not.toContain("987-65-4321");
    expect(text).not.toContain("555-00-1111");
    expect(text).toContain("id-41");
    expect(text).toContain("id-42");
    // The same Query again: its results are planned again (or by the memo), never by the last one's plan.
    expect(
      run(
        masker,
        READS_CUSTOMERS,
        [
          [100, 1],
          [100, 2],
        ],
        ["3", "111-22-3333"],
      ),
    ).not.toContain("111-22-3333");
  });

  it("tells apart descriptions of one length read in place: a masked column after an unmasked one", () => {
    const catalog = countingCatalog();
    const masker = new ResultMasker(catalog.masking);
    // customers(id, ssn, note): the same bytes but for one attribute number, read where they lie.
    const note = runInPlace(
      masker,
      [
        [100, 1],
        [100, 3],
      ],
      ["1", "a note"],
    );
    const ssn = runInPlace(
      masker,
      [
        [100, 1],
        [100, 2],
      ],
      ["1", "123-45-6789"],
    );
    expect(note).toContain("a note");
    expect(ssn).not.toContain("123-45-6789");
    expect(ssn).toContain(REDACTED_TEXT);
  });
});

const READS_CUSTOMERS: ResultScope = {
  maskedTables: ["public.customers"],
  relations: [["public.customers"]],
};

/**
 * Table 100 is `customers(id, ssn)` with ssn masked (and id too after `masksIdToo`, a new catalog
 * read); counts the questions the masker asks it.
 */
function countingCatalog() {
  let asked = 0;
  let read: object = {};
  let isIdMasked = false;
  let isUnknownMet = false;
  const masking: SessionMasking = {
    origins: {
      ruleFor: (tableOid, attnum) => {
        asked += 1;
        const isMasked = tableOid === 100 && (attnum === 2 || (attnum === 1 && isIdMasked));
        return isMasked ? { name: "customer", strategy: "REDACT" } : null;
      },
    },
    hashKey: Buffer.alloc(32),
    hasColumnRules: true,
    detectors: [],
    isMaskedTable: (names) => {
      asked += 1;
      return names.includes("public.customers");
    },
    isOpaqueRelation: () => {
      asked += 1;
      return false;
    },
    planKey: () => (isUnknownMet ? null : read),
  };
  return {
    masking,
    questions: () => asked,
    masksIdToo: () => {
      isIdMasked = true;
      read = {};
    },
    meetsUnknown: () => {
      isUnknownMet = true;
    },
  };
}

/** One simple Query and its whole answer through the masker: what the client gets, as text. */
function run(
  masker: ResultMasker,
  scope: ResultScope,
  origins: Array<[number, number]>,
  values: string[],
): string {
  masker.noteSent(tagged("Q", cstr("SELECT …")), scope);
  const description = wireRowDescription(
    origins.map(([table, attnum], i) => ({ name: `c${i}`, table, attnum, type: 25 })),
  );
  const out = new OutputBuffer(256);
  for (const message of [
    description,
    dataRow(values),
    tagged("C", Buffer.from("SELECT 1\0")),
    tagged("Z", Buffer.from("I")),
  ]) {
    if (message[0] === 0x44) masker.maskRowsInto(message, 0, message.length, out);
    else masker.maskInto(message[0] as number, message.subarray(5), message, out);
  }
  return out.take().toString("latin1");
}

/**
 * `run` as the relay reads an upstream read: the whole answer in one buffer, the messages that carry
 * no value read in place (`passAnswerAt`), rows masked where they lie.
 */
function runInPlace(masker: ResultMasker, origins: Array<[number, number]>, values: string[]): string {
  masker.noteSent(tagged("Q", cstr("SELECT …")), READS_CUSTOMERS);
  const read = Buffer.concat([
    wireRowDescription(origins.map(([table, attnum], i) => ({ name: `c${i}`, table, attnum, type: 25 }))),
    dataRow(values),
    tagged("C", Buffer.from("SELECT 1\0")),
    tagged("Z", Buffer.from("I")),
  ]);
  const out = new OutputBuffer(256);
  for (let start = 0; start < read.length; ) {
    const type = read[start] as number;
    const end = start + 1 + read.readUInt32BE(start + 1);
    expect(type === 0x44 || isPassedInPlace(type)).toBe(true);
    if (type === 0x44) masker.maskRowsInto(read, start, end, out);
    else masker.passAnswerAt(type, read, start, end, out);
    start = end;
  }
  return out.take().toString("latin1");
}

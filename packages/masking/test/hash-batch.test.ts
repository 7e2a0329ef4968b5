import { randomBytes } from "node:crypto";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { dataRow } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { type MaskPlan, maskDataRowInto } from "../src/row-masker";
import { maskValue } from "../src/strategies";

const TEXT = 25;
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const HASH_PLAN: MaskPlan = {
  fields: [
    { name: "id", tableOid: 1, attnum: 1, typeOid: 23, format: 0 },
    { name: "email", tableOid: 1, attnum: 2, typeOid: TEXT, format: 0 },
  ],
  rules: [null, { name: "email", strategy: "HASH" }],
  scan: [null, null],
  detectors: [],
};

/** The row as masking it alone writes it: the keyed hash computed value by value. */
function expectedRow(id: string, email: string, key: Buffer): Buffer {
  const hashed = maskValue({ name: "email", strategy: "HASH" }, Buffer.from(email), TEXT, key);
  return dataRow([id, hashed]);
}

describe("keyed-hash placeholders written per read", () => {
  it("are all written by take(), whatever was reserved between them", () => {
    const out = new OutputBuffer(1);
    const rows = Array.from({ length: 3000 }, (_, i) => [String(i), `user${i}@example.com`] as const);
    const read = Buffer.concat(rows.map(([id, email]) => dataRow([id, email])));
    let at = 0;
    for (const row of rows) {
      maskDataRowInto(read, HASH_PLAN, KEY, out, at);
      at += dataRow(row).length;
    }
    expect(out.take()).toEqual(Buffer.concat(rows.map(([id, email]) => expectedRow(id, email, KEY))));
  });

  it("keep rows of different reads, keys and outputs apart when interleaved", () => {
    const first = new OutputBuffer(64);
    const second = new OutputBuffer(64);
    const expectedFirst: Buffer[] = [];
    const expectedSecond: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      // Each row in a read of its own (a row that straddled two reads is one), keys alternating.
      const email = `person${i}@example.org`;
      const row = Buffer.concat([Buffer.from("pad"), dataRow([String(i), email])]);
      const toFirst = i % 3 !== 0;
      const key = i % 2 === 0 ? KEY : OTHER_KEY;
      maskDataRowInto(row, HASH_PLAN, key, toFirst ? first : second, 3);
      (toFirst ? expectedFirst : expectedSecond).push(expectedRow(String(i), email, key));
    }
    expect(second.take()).toEqual(Buffer.concat(expectedSecond));
    expect(first.take()).toEqual(Buffer.concat(expectedFirst));
  });

  it("leave no placeholder unwritten when an output is abandoned midway and another one begins", () => {
    const abandoned = new OutputBuffer(64);
    maskDataRowInto(dataRow(["1", "a@example.com"]), HASH_PLAN, KEY, abandoned);
    const out = new OutputBuffer(64);
    maskDataRowInto(dataRow(["2", "b@example.com"]), HASH_PLAN, KEY, out);
    expect(out.take()).toEqual(expectedRow("2", "b@example.com", KEY));
    expect(abandoned.take()).toEqual(expectedRow("1", "a@example.com", KEY));
  });
});

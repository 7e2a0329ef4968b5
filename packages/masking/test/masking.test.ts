import { withholdErrorText } from "@sluice/masking/error-fields";
import { parseRowDescription } from "@sluice/masking/row-description";
import { maskDataRow, maskDataRowInto, planMasking, UNPROVABLE_RULE } from "@sluice/masking/row-masker";
import { matchesSelector, selectorTouchesTable } from "@sluice/masking/selector";
import { type MaskRule, maskValue } from "@sluice/masking/strategies";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { dataRow, rowDescriptionBody } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";

const KEY = Buffer.alloc(32, 7);
const TEXT = 25;
const INT4 = 23;

function rowValues(raw: Buffer): (string | null)[] {
  const count = raw.readInt16BE(5);
  const out: (string | null)[] = [];
  let offset = 7;
  for (let i = 0; i < count; i++) {
    const length = raw.readInt32BE(offset);
    out.push(length < 0 ? null : raw.toString("utf8", offset + 4, offset + 4 + length));
    offset += 4 + Math.max(length, 0);
  }
  return out;
}
const rowDescription = rowDescriptionBody;

describe("masking strategies", () => {
  it("redact, partial, hash and null, with placeholders only where the type accepts them", () => {
    const ssn = Buffer.from("123-45-6789");
    expect(maskValue({ name: "r", strategy: "REDACT" }, ssn, TEXT, KEY)?.toString()).toBe("[REDACTED]");
    expect(maskValue({ name: "p", strategy: "PARTIAL", keepLast: 4 }, ssn, TEXT, KEY)?.toString()).toBe(
      "*******6789",
    );
    const hashed = maskValue({ name: "h", strategy: "HASH" }, ssn, TEXT, KEY)?.toString();
    expect(hashed).toMatch(/^h_[0-9a-f]{16}$/);
    expect(
      maskValue({ name: "h", strategy: "HASH" }, Buffer.from("123-45-6789"), TEXT, KEY)?.toString(),
    ).toBe(hashed);
    expect(maskValue({ name: "n", strategy: "NULL" }, ssn, TEXT, KEY)).toBeNull();
    expect(maskValue({ name: "r", strategy: "REDACT" }, Buffer.from("42"), INT4, KEY)).toBeNull();
    expect(
      maskValue({ name: "p", strategy: "PARTIAL", keepLast: 4 }, Buffer.from("ab"), TEXT, KEY)?.toString(),
    ).toBe("*b");
  });
});

describe("row masking", () => {
  const fields = parseRowDescription(
    rowDescription([
      { name: "id", table: 100, attnum: 1, type: INT4 },
      { name: "ssn", table: 100, attnum: 2, type: TEXT },
      { name: "upper", table: 0, attnum: 0, type: TEXT },
    ]),
  );
  const origins = {
    ruleFor: (table: number, attnum: number) =>
      table === 100 && attnum === 2 ? { name: "ssn", strategy: "REDACT" as const } : null,
  };

  it("masks named columns, and computed ones when a masked table is in scope", () => {
    const inScope = planMasking(fields, origins, true);
    expect(inScope?.rules.map((r) => r?.name ?? null)).toEqual([null, "ssn", UNPROVABLE_RULE.name]);
    const raw = dataRow(["7", "123-45-6789", "123-45-6789"]);
    expect(rowValues(maskDataRow(raw, inScope, KEY))).toEqual(["7", "[REDACTED]", "[REDACTED]"]);
    const noScope = planMasking(fields, origins, false);
    expect(rowValues(maskDataRow(raw, noScope, KEY))).toEqual(["7", "[REDACTED]", "123-45-6789"]);
  });

  it("keeps unmasked values byte for byte and NULLs as NULL", () => {
    const plan = planMasking(fields, origins, false);
    const raw = dataRow([null, null, "x\u00e9"]);
    expect(maskDataRow(raw, plan, KEY)).toEqual(raw);
  });

  it("masks every column of a row that came without a description", () => {
    expect(rowValues(maskDataRow(dataRow(["a", null, "b"]), null, KEY))).toEqual([null, null, null]);
  });

  it("writes many rows into one output buffer, grown mid-row, each as if masked alone", () => {
    const wide = parseRowDescription(
      rowDescription(
        ["id", "name", "email", "ssn", "card", "note"].map((name, i) => ({
          name,
          table: 200,
          attnum: i + 1,
          type: i === 0 ? INT4 : TEXT,
        })),
      ),
    );
    const rules: Record<number, MaskRule> = {
      3: { name: "email", strategy: "HASH" },
      4: { name: "ssn", strategy: "REDACT" },
      5: { name: "card", strategy: "PARTIAL", keepLast: 4 },
      6: { name: "note", strategy: "PARTIAL", keepLast: 2 },
    };
    const plan = planMasking(wide, { ruleFor: (_table, attnum) => rules[attnum] ?? null }, false);
    const rows = Array.from({ length: 50 }, (_, i) =>
      dataRow([
        String(i),
        `Name ${i} ${"x".repeat(i * 3)}`,
        i % 7 === 0 ? null : `user${i}@example.com`,
        "123-45-6789",
        `4242 4242 4242 ${1000 + i}`,
        `héllo wörld ${i}`,
      ]),
    );
    const out = new OutputBuffer(1);
    for (const row of rows) maskDataRowInto(row, plan, KEY, out);
    const alone = rows.map((row) => maskDataRow(row, plan, KEY));
    expect(out.take().equals(Buffer.concat(alone))).toBe(true);
    expect(rowValues(alone[1] as Buffer)).toEqual([
      "1",
      "Name 1 xxx",
      maskValue({ name: "email", strategy: "HASH" }, Buffer.from("user1@example.com"), TEXT, KEY)?.toString(),
      "[REDACTED]",
      "***************1001",
      "*********** 1",
    ]);
    expect(rowValues(alone[7] as Buffer)[2]).toBeNull();
  });
});

describe("row masking from a read", () => {
  const fields = parseRowDescription(
    rowDescription([
      { name: "id", table: 100, attnum: 1, type: INT4 },
      { name: "ssn", table: 100, attnum: 2, type: TEXT },
    ]),
  );
  const plan = planMasking(
    fields,
    { ruleFor: (_table, attnum) => (attnum === 2 ? { name: "ssn", strategy: "PARTIAL" as const } : null) },
    false,
  );

  it("masks rows where they lie in a read, each as if masked alone", () => {
    const rows = [dataRow(["1", "123-45-6789"]), dataRow([null, "ünï-cødé-1234"]), dataRow(["3", null])];
    const read = Buffer.concat([Buffer.from("junk"), ...rows]);
    const out = new OutputBuffer(1);
    let at = 4;
    for (const row of rows) {
      maskDataRowInto(read, plan, KEY, out, at);
      at += row.length;
    }
    expect(out.take()).toEqual(Buffer.concat(rows.map((row) => maskDataRow(row, plan, KEY))));
    expect(rowValues(maskDataRow(rows[1] as Buffer, plan, KEY))).toEqual([null, "*********1234"]);
  });

  it("masks to NULL the columns of a row wider than its description", () => {
    expect(rowValues(maskDataRow(dataRow(["1", "123-45-6789", "secret"]), plan, KEY))).toEqual([
      "1",
      "*******6789",
      null,
    ]);
  });

  it("refuses a row whose lengths do not add up, whatever the plan", () => {
    const row = dataRow(["1", "123-45-6789"]);
    const longer = Buffer.from(row);
    longer.writeInt32BE(12, 7 + 4 + 1); // the second value claims one byte more than it has
    const shorter = Buffer.from(row);
    shorter.writeInt32BE(10, 7 + 4 + 1);
    const badNull = Buffer.from(row);
    badNull.writeInt32BE(-2, 7);
    const fewer = Buffer.from(row);
    fewer.writeInt16BE(1, 5);
    const more = Buffer.from(row);
    more.writeInt16BE(3, 5);
    const truncated = row.subarray(0, row.length - 1);
    for (const bad of [longer, shorter, badNull, fewer, more, truncated]) {
      for (const anyPlan of [plan, null]) {
        expect(() => maskDataRow(bad, anyPlan, KEY)).toThrow(/malformed DataRow/);
      }
    }
  });
});

describe("selectors and errors", () => {
  it("match schema.table.column with wildcards", () => {
    const column = { schema: "public", table: "customers", column: "ssn" };
    expect(matchesSelector("public.customers.ssn", column)).toBe(true);
    expect(matchesSelector("*.*.ssn", column)).toBe(true);
    expect(matchesSelector("public.customers.*", column)).toBe(true);
    expect(matchesSelector("public.orders.ssn", column)).toBe(false);
    expect(selectorTouchesTable("public.customers.email", "public", "customers")).toBe(true);
    expect(selectorTouchesTable("public.customers.email", "public", "orders")).toBe(false);
  });

  it("withholds every free-text field of an error, keeping its SQLSTATE and the names of objects", () => {
    const body = Buffer.from(
      [
        "SERROR",
        "VERROR",
        "C22P02",
        "Mrequested character too large for encoding: 710088768",
        "DKey (ssn)=(123-45-6789) exists.",
        "Hsee 123-45-6789",
        'WSQL function "f" statement 1 with 710088768',
        "qSELECT 710088768",
        "p7",
        "P12",
        "spublic",
        "tcustomers",
        "cssn",
        "Fnumutils.c",
        "",
      ].join("\0"),
    );
    const withheld = `\0${withholdErrorText(body).toString()}`;
    expect(withheld).not.toContain("6789");
    expect(withheld).not.toContain("710088768");
    for (const kept of [
      "SERROR",
      "VERROR",
      "C22P02",
      "P12",
      "spublic",
      "tcustomers",
      "cssn",
      "Fnumutils.c",
    ]) {
      expect(withheld).toContain(`\0${kept}\0`);
    }
    expect(withheld).toContain("Mdata exception (SQLSTATE 22P02): the server's message is withheld");
    expect(withheld.endsWith("\0\0")).toBe(true);
  });
});

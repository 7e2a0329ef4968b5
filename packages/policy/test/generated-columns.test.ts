import { describe, expect, it } from "vitest";
import {
  type GeneratedColumns,
  type GeneratedInputs,
  isComputedFrom,
  UNKNOWN_GENERATED,
  writesInto,
} from "../src/generated-columns";
import { withInheritedSelectors } from "../src/inherited-selectors";

/** MariaDB's shape: names folded, and a generated column may read another generated column. */
const MARIA: GeneratedColumns = {
  isCaseFolded: true,
  relations: new Map([
    [
      "hr.people",
      {
        schema: "hr",
        table: "People",
        columns: new Map<string, GeneratedInputs>([
          ["ssn4", ["ssn"]],
          ["ssn4_rev", ["ssn4"]],
          ["name_up", ["name"]],
          ["odd", "opaque"],
        ]),
      },
    ],
  ]),
};
const at = (column: string) => ({ schema: "hr", table: "people", column });
const isSsn = (name: string) => name === "ssn";

describe("isComputedFrom", () => {
  it("follows a chain of generated columns, in any case", () => {
    expect(isComputedFrom(MARIA, at("ssn4"), isSsn)).toBe(true);
    expect(isComputedFrom(MARIA, at("SSN4_REV"), isSsn)).toBe(true);
    expect(isComputedFrom(MARIA, at("name_up"), isSsn)).toBe(false);
    expect(isComputedFrom(MARIA, at("ssn"), isSsn)).toBe(false);
  });

  it("counts an opaque expression as reading every column, and unknown as opaque everywhere", () => {
    expect(isComputedFrom(MARIA, at("odd"), isSsn)).toBe(true);
    expect(isComputedFrom(UNKNOWN_GENERATED, at("anything"), isSsn)).toBe(true);
    expect(isComputedFrom(undefined, at("ssn4"), isSsn)).toBe(false);
  });
});

describe("writesInto", () => {
  it("writing an input writes the generated columns over it, through the chain", () => {
    const isRev = (name: string) => name === "ssn4_rev";
    expect(writesInto(MARIA, at("SSN"), isRev)).toBe(true);
    expect(writesInto(MARIA, at("name"), isRev)).toBe(false);
  });
});

describe("withInheritedSelectors over generated columns alone (no snapshot)", () => {
  it("adds each column computed from a covered one, through the chain", () => {
    const selectors = withInheritedSelectors(["hr.people.SSN"], null, MARIA);
    expect(selectors).toEqual(
      expect.arrayContaining(["hr.People.ssn4", "hr.People.ssn4_rev", "hr.People.odd"]),
    );
    expect(selectors).not.toContain("hr.People.name_up");
  });

  it("covers every column of a covered table when nothing is known", () => {
    expect(withInheritedSelectors(["hr.people.ssn"], null, UNKNOWN_GENERATED)).toContain("hr.people.*");
  });
});

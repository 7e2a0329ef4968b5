import { describe, expect, it } from "vitest";
import { grantStateDigest, grantsOf, readGrantState } from "../src/grant-state";

/** A side connection answering SHOW GRANTS and SHOW VARIABLES as MySQL 8 prints them. */
const serverWith = (lines: string[], variables: Record<string, string>) => ({
  query: async (sql: string): Promise<[unknown, unknown]> =>
    sql === "SHOW GRANTS"
      ? [lines.map((line) => ({ "Grants for app@%": line })), []]
      : [Object.entries(variables).map(([Variable_name, Value]) => ({ Variable_name, Value })), []],
});

const TRIGGER_ON_APPS = "GRANT TRIGGER ON `app\\_%`.* TO `app`@`%`";

describe("the login's grant state", () => {
  it("is read into grants and the rules their database names are read by", async () => {
    const state = await readGrantState(serverWith([TRIGGER_ON_APPS], { lower_case_table_names: "1" }));
    expect(grantsOf(state)).toEqual({
      grants: {
        isGlobal: false,
        schemas: [{ name: "app\\_%", hasTrigger: true }],
        tables: [],
        revokedSchemas: [],
      },
      rules: { isCaseFolded: true, readsWildcards: true },
    });
  });

  it("has a digest that moves with any line or setting, and only then", async () => {
    const digest = async (lines: string[], variables: Record<string, string>) =>
      grantStateDigest(await readGrantState(serverWith(lines, variables)));
    const base = await digest([TRIGGER_ON_APPS], { lower_case_table_names: "0", partial_revokes: "OFF" });
    expect(await digest([TRIGGER_ON_APPS], { partial_revokes: "OFF", lower_case_table_names: "0" })).toBe(
      base,
    );
    expect(await digest([], { lower_case_table_names: "0", partial_revokes: "OFF" })).not.toBe(base);
    expect(await digest([TRIGGER_ON_APPS], { lower_case_table_names: "0", partial_revokes: "ON" })).not.toBe(
      base,
    );
    // Lines are not run together: the split between them counts.
    expect(await digest(["GRANT A", "B"], {})).not.toBe(await digest(["GRANT A\nB"], {}));
  });
});

import { describe, expect, it } from "vitest";
import { killStatementSql, readKillStatement } from "../src/kill-statement";

describe("readKillStatement", () => {
  it("reads KILL [HARD|SOFT] [QUERY|CONNECTION] id, CONNECTION by default", () => {
    expect(readKillStatement("KILL 12")).toEqual({ scope: "CONNECTION", force: null, id: 12 });
    expect(readKillStatement(" kill query 7 ;")).toEqual({ scope: "QUERY", force: null, id: 7 });
    expect(readKillStatement("KILL SOFT CONNECTION 3")).toEqual({
      scope: "CONNECTION",
      force: "SOFT",
      id: 3,
    });
  });

  it("leaves every other form to the parser (which refuses what it cannot read)", () => {
    for (const sql of [
      "KILL QUERY ID 5",
      "KILL USER 'app'",
      "KILL/**/5",
      "KILL 5; SELECT 1",
      "KILL @id",
      "KILL 99999999999",
      "SELECT 'KILL 5'",
    ])
      expect(readKillStatement(sql), sql).toBeNull();
  });

  it("aims the same KILL at the upstream thread", () => {
    expect(killStatementSql({ scope: "QUERY", force: "HARD", id: 1 }, 4242)).toBe("KILL HARD QUERY 4242");
  });
});

import { describe, expect, it } from "vitest";
import { CappedResults, type UntimedResultEvent } from "../src/result-events";

describe("CappedResults", () => {
  it("keeps rows up to the result cap, counts the rest, and resets per result", () => {
    const recorded: UntimedResultEvent[] = [];
    const results = new CappedResults((event) => recorded.push(event), 6);
    results.push({ type: "columns", names: ["a"] });
    results.push({ type: "row", values: ["abc"] });
    results.push({ type: "row", values: ["de", null] });
    results.push({ type: "row", values: ["fghij"] });
    results.push({ type: "complete", tag: "SELECT" });
    results.push({ type: "row", values: ["xyz"] });
    results.push({ type: "error", code: "23000", message: "error 1062 (withheld)" });
    expect(recorded).toEqual([
      { type: "columns", names: ["a"] },
      { type: "row", values: ["abc"] },
      { type: "row", values: ["de", null] },
      { type: "complete", tag: "SELECT", rows: 3, truncatedRows: 1 },
      { type: "row", values: ["xyz"] },
      { type: "error", severity: "ERROR", code: "23000", message: "error 1062 (withheld)" },
    ]);
  });

  it("records a long-data parameter as it came, outside any result's cap and count", () => {
    const recorded: UntimedResultEvent[] = [];
    const results = new CappedResults((event) => recorded.push(event), 2);
    const parameter = { type: "parameter", statement: 1, index: 0, bytes: 5, value: "hello" } as const;
    results.push(parameter);
    results.push({ type: "columns", names: ["a"] });
    results.push({ type: "row", values: ["ab"] });
    results.push({ type: "complete", tag: "SELECT" });
    expect(recorded).toEqual([
      parameter,
      { type: "columns", names: ["a"] },
      { type: "row", values: ["ab"] },
      { type: "complete", tag: "SELECT", rows: 1, truncatedRows: 0 },
    ]);
  });
});

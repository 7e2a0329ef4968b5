import { describe, expect, it } from "vitest";
import { parseRunnerOutput } from "./parse-runner-output";

describe("the postgres.js conformance runner's output", () => {
  it("gives every test an outcome, named by line and name", () => {
    const output = [
      "PGJS-PASS L40 Connects with no options",
      "PGJS-FAIL L66 Result is array :: 42601 syntax error at or near x",
      "PGJS-END",
    ].join("\n");
    expect(parseRunnerOutput(output, "0")).toEqual([
      { id: "tests/index.js:40 Connects with no options", isPassed: true, error: "" },
      { id: "tests/index.js:66 Result is array", isPassed: false, error: "42601 syntax error at or near x" },
      { id: "tests/index.js: (whole file)", isPassed: true, error: "" },
    ]);
  });

  it("counts a run cut short as a failed whole file", () => {
    const outcomes = parseRunnerOutput("PGJS-PASS L40 Connects", "killed by SIGKILL after 900000 ms");
    expect(outcomes.at(-1)).toEqual({
      id: "tests/index.js: (whole file)",
      isPassed: false,
      error: "the run ended before its last test (exit killed by SIGKILL after 900000 ms)",
    });
  });
});

import { describe, expect, it } from "vitest";
import { compareModes } from "./compare-modes";
import { parseSuiteOutput, WHOLE_FILE } from "./parse-suite-output";

// Output as node-postgres's test/suite.js prints it: the name, then ✔ or FAILED! and the stack.
const FAILING_FILE = [
  "",
  "  simple query ✔",
  "  DO block FAILED!",
  "",
  "error: Sluice: DO blocks are refused by default",
  "    at Parser.parseErrorMessage (pg-protocol/dist/parser.js:1:1)",
  "",
].join("\n");

describe("parseSuiteOutput", () => {
  it("reads passes, the failure with its error, and the file's exit", () => {
    expect(parseSuiteOutput("a-tests.js", FAILING_FILE, "255")).toEqual([
      { id: "a-tests.js: simple query", isPassed: true, error: "" },
      {
        id: "a-tests.js: DO block",
        isPassed: false,
        error: "error: Sluice: DO blocks are refused by default",
      },
      {
        id: `a-tests.js: ${WHOLE_FILE}`,
        isPassed: false,
        error: "exit 255: error: Sluice: DO blocks are refused by default",
      },
    ]);
  });

  it("counts a clean file that asserts without the runner as one passed test", () => {
    expect(parseSuiteOutput("b-tests.js", "", "0")).toEqual([
      { id: `b-tests.js: ${WHOLE_FILE}`, isPassed: true, error: "" },
    ]);
  });
});

describe("compareModes", () => {
  const direct = parseSuiteOutput("a-tests.js", "  one ✔\n  two ✔\n  three ✔\n", "0");
  const viaSluice = parseSuiteOutput(
    "a-tests.js",
    FAILING_FILE.replace("simple query", "one").replace("DO block", "two"),
    "255",
  );

  it("lists what passed directly but failed or was never reached, marking the allowlisted ones", () => {
    const allowlist = [{ id: "a-tests.js: two", reason: "DO blocks are refused by default" }];
    const differences = compareModes(direct, [{ name: "plain", outcomes: viaSluice }], allowlist);
    expect(differences.map((d) => [d.id, d.expected])).toEqual([
      ["a-tests.js: two", "DO blocks are refused by default"],
      ["a-tests.js: three", null],
      [`a-tests.js: ${WHOLE_FILE}`, null],
    ]);
    expect(differences[1]?.error).toMatch(/no result line/);
  });

  it("finds no difference when every mode passes what direct passed", () => {
    expect(compareModes(direct, [{ name: "plain", outcomes: direct }], [])).toEqual([]);
  });
});

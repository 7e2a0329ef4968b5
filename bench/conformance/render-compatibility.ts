import type { Difference } from "./compare-modes";
import { type TestOutcome, WHOLE_FILE } from "./parse-suite-output";

export type ModeCount = {
  name: string;
  testsPassed: number;
  testsRun: number;
  filesClean: number;
  files: number;
};

/** Named tests and whole files apart: a file's exit also catches asserts that fire after its ✔. */
export function countMode(name: string, outcomes: TestOutcome[]): ModeCount {
  const files = outcomes.filter((o) => o.id.endsWith(WHOLE_FILE));
  const tests = outcomes.filter((o) => !o.id.endsWith(WHOLE_FILE));
  const passed = (list: TestOutcome[]) => list.filter((o) => o.isPassed).length;
  return {
    name,
    testsPassed: passed(tests),
    testsRun: tests.length,
    filesClean: passed(files),
    files: files.length,
  };
}

/** The compatibility section of docs/compatibility.md: counts per mode, then every difference. */
export function renderCompatibility(
  suite: string,
  counts: ModeCount[],
  differences: Difference[],
  command: string,
) {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\`.`,
    "",
    "| mode | tests passed | tests run | files exiting 0 |",
    "| --- | --- | --- | --- |",
    ...counts.map((c) => `| ${c.name} | ${c.testsPassed} | ${c.testsRun} | ${c.filesClean} of ${c.files} |`),
    "",
    `Tests that pass directly but not through Sluice (${differences.length}):`,
    "",
    "| mode | test | error seen through Sluice | classification |",
    "| --- | --- | --- | --- |",
    ...differences.map(
      (d) =>
        `| ${d.mode} | ${cell(d.id)} | ${cell(d.error)} | ${d.expected ? cell(d.expected) : "**not in the allowlist**"} |`,
    ),
  ];
  return `### ${suite}\n\n${lines.join("\n")}\n`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

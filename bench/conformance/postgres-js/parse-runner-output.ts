import { type TestOutcome, WHOLE_FILE } from "../parse-suite-output";

const PASS = /^PGJS-PASS L(\d+) (.*)$/;
const FAIL = /^PGJS-FAIL L(\d+) (.*?) :: (.*)$/;
const END = "PGJS-END";

/** A test's id: its name and line (names repeat in the suite; a checkout's lines do not move). */
export function testId(line: string, name: string): string {
  return `tests/index.js:${line} ${name}`;
}

/**
 * Reads the conformance runner's lines (runner.js). A run that never printed its end mark was cut
 * short (a crash or the harness's timeout): that becomes one failed pseudo-test, so a hang through
 * Sluice shows up as a difference instead of as fewer tests.
 */
export function parseRunnerOutput(output: string, exit: string | null): TestOutcome[] {
  const outcomes: TestOutcome[] = [];
  for (const line of output.split("\n")) {
    const passed = PASS.exec(line);
    if (passed) {
      outcomes.push({ id: testId(passed[1] ?? "", passed[2] ?? ""), isPassed: true, error: "" });
      continue;
    }
    const failed = FAIL.exec(line);
    if (failed) {
      outcomes.push({
        id: testId(failed[1] ?? "", failed[2] ?? ""),
        isPassed: false,
        error: failed[3] ?? "",
      });
    }
  }
  const isComplete = output.split("\n").includes(END);
  outcomes.push({
    id: `tests/index.js: ${WHOLE_FILE}`,
    isPassed: isComplete,
    error: isComplete ? "" : `the run ended before its last test (exit ${exit ?? "unknown"})`,
  });
  return outcomes;
}

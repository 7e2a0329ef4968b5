/** One test's outcome as node-postgres's own runner (test/suite.js) prints it. */
export type TestOutcome = { id: string; isPassed: boolean; error: string };

const PASSED_MARK = " ✔";
const FAILED_MARK = " FAILED!";
/** The pseudo-test a file gets, so files that assert without the Suite runner still count. */
export const WHOLE_FILE = "(whole file)";

/**
 * Reads one test file's output: `  name ✔` is a pass, `  name FAILED!` then a stack is a failure
 * (the runner exits there, so later tests in the file never run and are not counted). The file's
 * exit code becomes its own pseudo-test, carrying the first error line when it is not zero.
 */
export function parseSuiteOutput(file: string, output: string, exit: string | null): TestOutcome[] {
  const lines = output.split("\n");
  const outcomes: TestOutcome[] = [];
  lines.forEach((line, index) => {
    if (line.endsWith(PASSED_MARK)) {
      outcomes.push({
        id: `${file}: ${line.slice(0, -PASSED_MARK.length).trim()}`,
        isPassed: true,
        error: "",
      });
    } else if (line.includes(FAILED_MARK)) {
      const name = line.slice(0, line.indexOf(FAILED_MARK)).trim();
      outcomes.push({
        id: `${file}: ${name}`,
        isPassed: false,
        error: firstErrorLine(lines.slice(index + 1)),
      });
    }
  });
  const isFileClean = exit === "0";
  outcomes.push({
    id: `${file}: ${WHOLE_FILE}`,
    isPassed: isFileClean,
    error: isFileClean ? "" : `exit ${exit ?? "?"}: ${firstErrorLine(lines)}`,
  });
  return outcomes;
}

/** The first line that names an error, else the last non-empty line: what a person reads first. */
function firstErrorLine(lines: string[]): string {
  const found = lines.find((line) => /^\s*(Message:|\w*Error\b|error:)|did not complete/.test(line));
  const fallback = lines.filter((line) => line.trim() !== "").at(-1) ?? "";
  return (found ?? fallback).trim().slice(0, 300);
}

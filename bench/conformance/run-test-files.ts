import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseSuiteOutput, type TestOutcome } from "./parse-suite-output";

/** node-postgres's tests time out at 5 s each; a whole file past this is hung, not slow. */
const FILE_TIMEOUT_MS = 90_000;
/** Output past this is a runaway loop; the parser only needs the marks. */
const MAX_OUTPUT_CHARS = 2_000_000;

/** Every `*-tests.js` under `test/integration`, as `make test-integration` finds them, in a stable order. */
export function integrationTestFiles(packageDir: string): string[] {
  const root = path.join(packageDir, "test", "integration");
  const found = readdirSync(root, { recursive: true, encoding: "utf8" });
  return found.filter((file) => file.endsWith("-tests.js")).sort();
}

/** Runs each file as `node file` with the given environment, one at a time, and parses its outcomes. */
export async function runTestFiles(
  packageDir: string,
  files: string[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  outputDir: string | null,
): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = [];
  for (const file of files) {
    const { output, exit } = await runNodeScript(path.join(packageDir, "test", "integration", file), env);
    const parsed = parseSuiteOutput(file, output, exit);
    if (outputDir) saveOutput(outputDir, file, output);
    log(`  ${file}: ${parsed.filter((o) => o.isPassed).length}/${parsed.length} passed`);
    outcomes.push(...parsed);
  }
  return outcomes;
}

/** Runs `node file` in the file's folder, killed past the timeout; its output, capped, and how it ended. */
export function runNodeScript(
  file: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = FILE_TIMEOUT_MS,
): Promise<{ output: string; exit: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd: path.dirname(file),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const append = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT_CHARS) output += chunk.toString("utf8");
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        output,
        exit: code === null ? `killed by ${signal} after ${timeoutMs} ms` : String(code),
      });
    });
  });
}

/** Keeps a file's raw output, for reading the full error and stack behind a difference. */
function saveOutput(dir: string, file: string, output: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${file.replaceAll("/", "__")}.log`), output);
}

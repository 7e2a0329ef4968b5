/**
 * How every TypeScript entry point is started as a process of its own, in tests, benchmarks, e2e
 * specs and scripts: Node itself with tsx as a loader (`node --import tsx entry.ts`), never tsx's
 * command-line wrapper. The wrapper runs the entry in a grandchild, so the pid a caller holds is not
 * the program's, and it SIGKILLs that grandchild 30 ms after relaying a SIGTERM: on a loaded machine
 * a server is killed before it has stopped (port left taken, clients cut without a word).
 */
export type TsxCommand = { command: string; args: string[] };

export type TsxCommandOptions = {
  /** Flags for Node itself (e.g. `--cpu-prof`), placed before the entry. */
  nodeFlags?: readonly string[];
};

/**
 * The command and arguments that run `entry` with `args`. `tsx` is resolved from the process's
 * working directory, so spawn it with `cwd` inside the checkout whose tsx should load it.
 */
export function tsxCommand(
  entry: string,
  args: readonly string[] = [],
  options: TsxCommandOptions = {},
): TsxCommand {
  return {
    command: process.execPath,
    args: ["--import", "tsx", ...(options.nodeFlags ?? []), entry, ...args],
  };
}

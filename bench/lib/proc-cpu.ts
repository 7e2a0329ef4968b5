import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** /proc counts CPU time in clock ticks; the kernel says how many make a second. */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted after the `(comm)` field. */
const UTIME_AFTER_COMM = 11;
const STIME_AFTER_COMM = 12;

/** CPU time used so far, in microseconds: in the process itself (user) and in the kernel for it (system). */
export type CpuTimes = { user: number; system: number };

/**
 * CPU another process has used so far. The command name may hold spaces or parentheses, so fields
 * are counted from the last `)`.
 */
export function processCpu(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const micros = (ticks: number) => (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
  return { user: micros(Number(fields[UTIME_AFTER_COMM])), system: micros(Number(fields[STIME_AFTER_COMM])) };
}

/** User plus system CPU another process has used so far, in microseconds. */
export function processCpuMicros(pid: number): number {
  const used = processCpu(pid);
  return used.user + used.system;
}

/** This process's CPU so far (the in-process gateway's). */
export function selfCpu(): CpuTimes {
  return process.cpuUsage();
}

/** Read and write system calls another process has made so far (/proc/<pid>/io: syscr, syscw). */
export function processSyscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(io)?.[1] ?? Number.NaN);
  return { reads: field("syscr"), writes: field("syscw") };
}

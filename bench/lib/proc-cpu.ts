import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** /proc counts CPU time in clock ticks; the kernel says how many make a second. */
const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted after the `(comm)` field. */
const UTIME_AFTER_COMM = 11;
const STIME_AFTER_COMM = 12;

/**
 * User plus system CPU another process has used so far, in microseconds. The command name may hold
 * spaces or parentheses, so fields are counted from the last `)`.
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[UTIME_AFTER_COMM]) + Number(fields[STIME_AFTER_COMM]);
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** This process's user plus system CPU so far, in microseconds (the in-process gateway's). */
export function selfCpuMicros(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

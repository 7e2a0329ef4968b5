import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";

/** One leg of the HTTP benchmark: its rate, and the CPU each process spent on it. */
export type LegSample = {
  /** Requests/s for small calls, MB/s for the large stream. */
  rate: number;
  /** The gateway process's CPU per unit (ms per large response, µs per small call); null when direct. */
  gatewayCpu: number | null;
  /** The benchmark process's own CPU (the client and the API) per unit, in the same unit. */
  benchCpu: number;
};

export type Leg = {
  name: string;
  /** Measures once: the rate, and the units (calls or responses) it served. */
  run: () => Promise<{ rate: number; units: number }>;
  /** The gateway process's CPU so far, in µs; absent for the direct leg. */
  gatewayCpuMicros?: () => number;
};

/** Samples per leg, the load average seen before each round, and the baseline's commit. */
export type InterleavedResult = { samples: LegSample[][]; loads: number[] };

/**
 * Runs the legs in turn within each round (direct, then the others, their order swapped every
 * round), so the machine's load at any
 * moment hits all of them alike: on a shared two-core machine rates move by a third between runs,
 * but three legs measured seconds apart see nearly the same load. `unitScale` turns CPU µs per
 * unit into the reported unit (1 for µs per call, 1/1000 for ms per response).
 */
export async function interleave(legs: Leg[], rounds: number, unitScale: number): Promise<InterleavedResult> {
  const samples: LegSample[][] = legs.map(() => []);
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0] ?? 0);
    // The first leg (direct) opens each round; the others swap order every round. In a fixed order
    // the leg after another ran measurably cheaper: a copy of this tree as the baseline measured
    // 323 µs per call in the "before" slot against 260 in the "after" one (5 rounds, load 13).
    const order = round % 2 === 0 ? [...legs.keys()] : [0, ...[...legs.keys()].slice(1).reverse()];
    for (const index of order) {
      const leg = legs[index] as Leg;
      const gatewayBefore = leg.gatewayCpuMicros?.() ?? 0;
      const benchBefore = process.cpuUsage();
      const { rate, units } = await leg.run();
      const bench = process.cpuUsage(benchBefore);
      samples[index]?.push({
        rate,
        gatewayCpu: leg.gatewayCpuMicros
          ? ((leg.gatewayCpuMicros() - gatewayBefore) / units) * unitScale
          : null,
        benchCpu: ((bench.user + bench.system) / units) * unitScale,
      });
    }
  }
  return { samples, loads };
}

/**
 * "median (lowest–highest)" of one measure over a leg's samples: on a shared machine one round's
 * best is luck, and the median of several rounds is what a run can stand behind.
 */
export function spread(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(middle)] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return `${median.toFixed(digits)} (${(sorted[0] as number).toFixed(digits)}–${(sorted[sorted.length - 1] as number).toFixed(digits)})`;
}

/** Per round, the leg's rate over the direct leg's in the same round: the ratios' spread. */
export function roundRatios(leg: LegSample[], direct: LegSample[]): number[] {
  return leg.map((sample, round) => sample.rate / (direct[round]?.rate ?? Number.NaN));
}

export function shortRevision(checkout: string): string {
  // A copy made by bench/make-baseline.sh is no git checkout: it names its commit in a file.
  const named = path.join(checkout, ".baseline-revision");
  if (existsSync(named)) return readFileSync(named, "utf8").trim();
  return execFileSync("git", ["-C", checkout, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
}

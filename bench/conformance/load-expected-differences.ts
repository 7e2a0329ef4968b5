import { readFileSync } from "node:fs";
import type { ExpectedDifference } from "./compare-modes";

/** Reads the allowlist; a malformed entry stops the run rather than silently allowing nothing. */
export function loadExpectedDifferences(file: string): ExpectedDifference[] {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected an array of { id, reason }`);
  return parsed.map((entry, index) => {
    const { id, reason } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== "string" || typeof reason !== "string" || reason.trim() === "") {
      throw new Error(`${file}[${index}]: each entry needs a string id and a non-empty reason`);
    }
    return { id, reason };
  });
}

import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type PolicyFile, ZPolicyFile } from "./policy-file";

export type PolicyFileError = { line: number; column: number; message: string };

export type ReadResult = { ok: true; policy: PolicyFile } | { ok: false; errors: PolicyFileError[] };

/**
 * Parses and validates a policy file. Every problem is reported with its line and reason, and a
 * file with any problem is refused whole: nothing of it is applied.
 */
export function readPolicyFile(text: string): ReadResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return {
          line: position.line,
          column: position.col,
          message: error.message.split("\n")[0] ?? error.message,
        };
      }),
    };
  }
  const parsed = ZPolicyFile.safeParse(document.toJS());
  if (parsed.success) {
    const duplicates = findDuplicates(parsed.data);
    if (duplicates.length === 0) return { ok: true, policy: parsed.data };
    return { ok: false, errors: duplicates.map((message) => ({ line: 1, column: 1, message })) };
  }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue: z.core.$ZodIssue) => {
      const offset = offsetOf(document.contents, issue.path as (string | number)[]);
      const position = lines.linePos(offset);
      return {
        line: position.line,
        column: position.col,
        message: `${issue.path.join(".") || "(file)"}: ${issue.message}`,
      };
    }),
  };
}

/** The character offset of the deepest node that exists along a validation issue's path. */
function offsetOf(node: unknown, path: (string | number)[]): number {
  let current = node as { range?: [number, number, number] } | null;
  let offset = current?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => String((item.key as { value?: unknown })?.value) === String(key),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      current = pair.value as typeof current;
    } else if (isSeq(current) && typeof key === "number") {
      current = current.items[key] as typeof current;
      offset = current?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

function findDuplicates(policy: PolicyFile): string[] {
  const problems: string[] = [];
  const check = (what: string, names: string[]) => {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${what} "${name}" appears twice`);
      seen.add(name);
    }
  };
  check(
    "connection",
    policy.connections.map((c) => c.name),
  );
  check(
    "agent",
    policy.agents.map((a) => a.name),
  );
  check(
    "reviewer group",
    policy.reviewerGroups.map((g) => g.name),
  );
  for (const connection of policy.connections) {
    check(
      `guardrail on ${connection.name}`,
      connection.guardrails.map((r) => String(r.name)),
    );
    check(
      `masking rule on ${connection.name}`,
      connection.masking.map((r) => r.name),
    );
    check(
      `review rule on ${connection.name}`,
      connection.reviews.map((r) => r.name),
    );
  }
  return problems;
}

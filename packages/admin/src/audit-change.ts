/** One field an audited change touched: its dotted path and the value before and after. */
export type AuditFieldChange = { path: string; before: unknown; after: unknown };

/** Objects deeper than this are compared whole: audit payloads are flat rows, not documents. */
const MAX_DEPTH = 4;

/**
 * The fields that differ between an audit event's before and after, so a reader sees "port: 5432 →
 * 5433" instead of two full JSON dumps. A created object lists every field with `before` undefined,
 * a deleted one every field with `after` undefined.
 */
export function auditFieldChanges(before: unknown, after: unknown): AuditFieldChange[] {
  const changes: AuditFieldChange[] = [];
  collect("", before, after, 0, changes);
  return changes;
}

function collect(path: string, before: unknown, after: unknown, depth: number, into: AuditFieldChange[]) {
  if (isPlainObject(before) || isPlainObject(after)) {
    if (depth < MAX_DEPTH && (before === undefined || before === null || isPlainObject(before))) {
      if (after === undefined || after === null || isPlainObject(after)) {
        const left = (before ?? {}) as Record<string, unknown>;
        const right = (after ?? {}) as Record<string, unknown>;
        for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
          collect(path ? `${path}.${key}` : key, left[key], right[key], depth + 1, into);
        }
        return;
      }
    }
  }
  if (!isSame(before, after)) into.push({ path: path || "(value)", before, after });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSame(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

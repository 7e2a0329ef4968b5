import type { AuditFieldChange } from "@sluice/admin/audit-change";

/** A value as one short line: strings as they are, absent as "—", the rest as compact JSON. */
function show(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** What an audited change did, one field per line ("port: 5432 → 5433"), never cut off. */
export function AuditChangeList({ changes }: { changes: AuditFieldChange[] }) {
  return (
    <ul className="space-y-0.5 text-xs" data-testid="audit-changes">
      {changes.map((change) => (
        <li key={change.path} className="break-words">
          <span className="font-medium">{change.path}</span>:{" "}
          <span className="text-red-800 line-through decoration-red-300">{show(change.before)}</span>
          {" → "}
          <span className="text-emerald-800">{show(change.after)}</span>
        </li>
      ))}
    </ul>
  );
}

/** A denial or sign-in's details as labelled text instead of escaped JSON. */
export function AuditDetails({ metadata }: { metadata: unknown }) {
  if (typeof metadata !== "object" || metadata === null) return null;
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length === 0) return null;
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-2 text-xs" data-testid="audit-details">
      {entries.map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="font-medium text-slate-600">{key}</dt>
          <dd className="break-words whitespace-pre-wrap">{show(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

import { describeHttpMatch } from "../http-match";
import { GUARDRAIL_KINDS, type GuardrailKindName } from "./guardrail-kinds";

const ACCESS_WORDS: Record<string, string> = { any: "read or write", read: "read", write: "write" };

/**
 * A guardrail's match parameters as a sentence fragment an admin reads at a glance
 * ("DROP, TRUNCATE"; "public.customers (write)"), instead of the stored JSON. Keys the form does
 * not know are still shown, as `key: value`, so nothing the gateway judges is hidden.
 */
export function describeMatch(kind: GuardrailKindName, match: Record<string, unknown>): string {
  if (kind === "HTTP_REQUEST") return describeHttpMatch(match) || "—";
  const listKey = GUARDRAIL_KINDS[kind]?.list?.key;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(match)) {
    if (key === listKey) parts.unshift(formatValue(value));
    else if (kind === "TABLE" && key === "access") continue;
    else parts.push(`${key}: ${formatValue(value)}`);
  }
  if (kind === "TABLE") {
    const access = typeof match.access === "string" ? match.access : "any";
    parts.push(`(${ACCESS_WORDS[access] ?? access})`);
  }
  if (parts.length === 0) return GUARDRAIL_KINDS[kind]?.list ? "nothing listed" : "—";
  return parts.join(" ");
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(String).join(", ");
  if (value === null || value === undefined) return "none";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

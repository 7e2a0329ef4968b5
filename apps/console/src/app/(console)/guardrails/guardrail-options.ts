import type { RuleApi } from "@sluice/admin/api-contract";
import { splitNames } from "@/client/ui";
import { EMPTY_HTTP_MATCH, type HttpMatchForm, httpMatchFormOf, httpMatchOf } from "../http-match";
import { GUARDRAIL_KINDS, type GuardrailKindName } from "./guardrail-kinds";

export type GuardrailView = RuleApi["guardrails"]["view"];
type GuardrailInput = RuleApi["guardrails"]["input"];

export type GuardrailForm = {
  name: string;
  connectionId: string | null;
  kind: GuardrailKindName;
  effect: "DENY" | "ALLOW";
  /** The kind's list parameter (kinds, tables, columns …), comma-separated. */
  list: string;
  /** TABLE guardrails: which access they judge. */
  access: string;
  /**
   * SETTING guardrails: the values an ALLOW allows, one a line (a value may hold commas, as a
   * search_path does); empty, any value.
   */
  values: string;
  /** HTTP_REQUEST guardrails: the call they match. */
  http: HttpMatchForm;
  message: string;
  /**
   * The saved rule's kind and match, when editing: parameters the form has no field for are sent
   * back as they are, since dropping one could widen the rule.
   */
  saved: { kind: GuardrailKindName; match: Record<string, unknown> } | null;
};

export const EMPTY_GUARDRAIL_FORM: GuardrailForm = {
  name: "",
  connectionId: null,
  kind: "STATEMENT_KIND",
  effect: "DENY",
  list: "",
  access: "any",
  values: "",
  http: EMPTY_HTTP_MATCH,
  message: "",
  saved: null,
};

/** The stored match as an object (the store keeps any JSON; the API only writes objects). */
export function matchOf(rule: GuardrailView): Record<string, unknown> {
  return typeof rule.match === "object" && rule.match !== null && !Array.isArray(rule.match)
    ? (rule.match as Record<string, unknown>)
    : {};
}

/** The form filled from a saved rule, to edit it. */
export function formOf(rule: GuardrailView): GuardrailForm {
  const match = matchOf(rule);
  const listKey = GUARDRAIL_KINDS[rule.kind]?.list?.key;
  const list = listKey && Array.isArray(match[listKey]) ? (match[listKey] as string[]) : [];
  return {
    name: rule.name,
    connectionId: rule.connectionId,
    kind: rule.kind,
    effect: rule.effect,
    list: list.join(", "),
    access: typeof match.access === "string" ? match.access : "any",
    values: Array.isArray(match.values) ? match.values.map(String).join("\n") : "",
    http: rule.kind === "HTTP_REQUEST" ? httpMatchFormOf(match) : EMPTY_HTTP_MATCH,
    message: rule.message ?? "",
    saved: { kind: rule.kind, match },
  };
}

/** The API's input for a form (the rule's enabled state is kept as it is). */
export function inputOf(form: GuardrailForm): GuardrailInput {
  const kind = GUARDRAIL_KINDS[form.kind];
  let match: Record<string, unknown> = form.saved?.kind === form.kind ? { ...form.saved.match } : {};
  if (form.kind === "HTTP_REQUEST") match = httpMatchOf(form.http);
  else if (kind.list)
    match[kind.list.key] =
      form.kind === "STATEMENT_KIND" || form.kind === "MISSING_WHERE"
        ? splitNames(form.list).map((k) => k.toUpperCase())
        : splitNames(form.list);
  if (form.kind === "TABLE") match.access = form.access;
  if (form.kind === "SETTING") {
    const values = valueLines(form.values);
    // Sent whatever the effect: on a DENY the API says, on this field, why values do not belong.
    if (values.length > 0) match.values = values;
    else delete match.values;
  }
  return {
    name: form.name,
    connectionId: form.connectionId,
    kind: form.kind,
    effect: form.effect,
    match,
    message: form.message || null,
  };
}

/** The values field's lines, each trimmed, blank lines dropped. */
export function valueLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

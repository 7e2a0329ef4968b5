import type { RuleApi } from "@sluice/admin/api-contract";
import { splitNames } from "@/client/ui";

export type MaskingRuleView = RuleApi["masking-rules"]["view"];
type MaskingRuleInput = RuleApi["masking-rules"]["input"];

export const DETECTORS = [
  { value: "email", label: "email addresses" },
  { value: "phone", label: "phone numbers" },
  { value: "us_ssn", label: "US social security numbers" },
  { value: "payment_card", label: "payment cards (Luhn)" },
  { value: "iban", label: "IBANs (checksum)" },
  { value: "ip", label: "IP addresses" },
  { value: "jwt", label: "JSON web tokens" },
  { value: "cloud_key", label: "cloud API keys" },
  { value: "private_key", label: "private keys" },
];

export const STRATEGIES = [
  { value: "REDACT", label: "Redact (fixed placeholder)" },
  { value: "PARTIAL", label: "Partial (keep the last N characters)" },
  { value: "HASH", label: "Keyed hash (joinable, not reversible)" },
  { value: "NULL", label: "Null" },
];

export type MaskingForm = {
  name: string;
  connectionId: string | null;
  /** Database columns, HTTP response fields, or values a detector recognises wherever they appear. */
  matchBy: "column" | "json" | "detector";
  columnSelector: string;
  jsonPointer: string;
  detector: string;
  strategy: string;
  keepLast: string;
  exemptGroups: string;
};

export const EMPTY_MASKING_FORM: MaskingForm = {
  name: "",
  connectionId: null,
  matchBy: "column",
  columnSelector: "",
  jsonPointer: "",
  detector: "email",
  strategy: "REDACT",
  keepLast: "4",
  exemptGroups: "",
};

/** The form filled from a saved rule, to edit it. */
export function formOf(rule: MaskingRuleView): MaskingForm {
  return {
    name: rule.name,
    connectionId: rule.connectionId,
    matchBy: rule.detector ? "detector" : rule.jsonPointer ? "json" : "column",
    columnSelector: rule.columnSelector ?? "",
    jsonPointer: rule.jsonPointer ?? "",
    detector: rule.detector ?? "email",
    strategy: rule.strategy,
    keepLast: String(rule.keepLast ?? 4),
    exemptGroups: rule.exemptGroups.join(", "),
  };
}

/** The API's input for a form (the rule's enabled state is kept as it is). */
export function inputOf(form: MaskingForm): MaskingRuleInput {
  return {
    name: form.name,
    connectionId: form.connectionId,
    strategy: form.strategy as MaskingRuleInput["strategy"],
    columnSelector: form.matchBy === "column" ? form.columnSelector : null,
    jsonPointer: form.matchBy === "json" ? form.jsonPointer : null,
    detector: form.matchBy === "detector" ? (form.detector as MaskingRuleInput["detector"]) : null,
    keepLast: form.strategy === "PARTIAL" ? Number(form.keepLast) : null,
    exemptGroups: splitNames(form.exemptGroups),
  };
}

export type MaskingRuleView = {
  id: string;
  name: string;
  connectionId: string | null;
  connectionName: string | null;
  columnSelector: string | null;
  detector: string | null;
  strategy: string;
  keepLast: number | null;
  isEnabled: boolean;
  exemptGroups: string[];
};

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
  matchBy: "column" | "detector";
  columnSelector: string;
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
    matchBy: rule.detector ? "detector" : "column",
    columnSelector: rule.columnSelector ?? "",
    detector: rule.detector ?? "email",
    strategy: rule.strategy,
    keepLast: String(rule.keepLast ?? 4),
    exemptGroups: rule.exemptGroups.join(", "),
  };
}

/** The API's input for a form (the rule's enabled state is kept as it is). */
export function bodyOf(form: MaskingForm, splitNames: (text: string) => string[]) {
  return {
    name: form.name,
    connectionId: form.connectionId,
    strategy: form.strategy,
    columnSelector: form.matchBy === "column" ? form.columnSelector : null,
    detector: form.matchBy === "detector" ? form.detector : null,
    keepLast: form.strategy === "PARTIAL" ? Number(form.keepLast) : null,
    exemptGroups: splitNames(form.exemptGroups),
  };
}

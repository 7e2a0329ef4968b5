/**
 * A made-up value shaped like what a column or a detector holds, so a masking preview shows what a
 * strategy does to *that kind* of value (a card number keeping its last four digits, not an email
 * address cut to `****.com`). Never real data: the preview reads no rows.
 */
const BY_NAME: ReadonlyArray<{ pattern: RegExp; value: string }> = [
  { pattern: /e_?mail/, value: "jane.doe@example.com" },
  { pattern: /card|pan|cc_?num/, value: "4111 1111 1111 1111" },
  { pattern: /ssn|social/, value: "123-45-6789" },
  { pattern: /phone|mobile|tel/, value: "+1 555 010 0199" },
  { pattern: /iban/, value: "DE89 3704 0044 0532 0130 00" },
  { pattern: /(^|_)ip(_|$)|address_ip|ip_?addr/, value: "203.0.113.42" },
  { pattern: /salary|wage|income|amount|price|balance/, value: "85000.00" },
  { pattern: /birth|dob/, value: "1990-04-01" },
  { pattern: /token|secret|key|password/, value: "sk_live_51Hx9fQ2eZvKYlo2C" },
  { pattern: /address|street/, value: "221B Baker Street" },
  { pattern: /first_?name|last_?name|full_?name|^name$/, value: "Jane Doe" },
];

const BY_DETECTOR: Readonly<Record<string, string>> = {
  email: "jane.doe@example.com",
  phone: "+1 555 010 0199",
  us_ssn: "123-45-6789",
  payment_card: "4111 1111 1111 1111",
  iban: "DE89 3704 0044 0532 0130 00",
  ip: "203.0.113.42",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJl",
  cloud_key: "AKIAIOSFODNN7EXAMPLE",
  private_key: "-----BEGIN PRIVATE KEY-----MIIEvQIBADAN…",
};

const BY_TYPE: ReadonlyArray<{ pattern: RegExp; value: string }> = [
  { pattern: /^(numeric|decimal|real|double|money)/, value: "85000.00" },
  { pattern: /^(integer|bigint|smallint|int)/, value: "42" },
  { pattern: /^date$/, value: "1990-04-01" },
  { pattern: /^timestamp/, value: "2026-12-04 09:30:00" },
  { pattern: /^(uuid)$/, value: "1b4e28ba-2fa1-11d2-883f-0016d3cca427" },
  { pattern: /^inet|^cidr/, value: "203.0.113.42" },
  { pattern: /^boolean$/, value: "true" },
];

const FALLBACK = "Jane Doe";

/** An example for a column, by its name first (what it holds), then by its type. */
export function exampleForColumn(column: string, type = ""): string {
  const name = column.toLowerCase();
  const byName = BY_NAME.find((entry) => entry.pattern.test(name));
  if (byName) return byName.value;
  const byType = BY_TYPE.find((entry) => entry.pattern.test(type.toLowerCase()));
  return byType?.value ?? FALLBACK;
}

/** An example for a rule: its detector's kind of value, or its selector's column part (`*` reads as unknown). */
export function exampleForRule(rule: {
  columnSelector?: string | null;
  jsonPointer?: string | null;
  detector?: string | null;
}): string {
  if (rule.detector) return BY_DETECTOR[rule.detector] ?? FALLBACK;
  // A JSON field is named like a column: `$..ssn`, `/customers/*/card` and `$['card']` end in it.
  const column = rule.jsonPointer
    ? (rule.jsonPointer
        .split(/[./[\]'"$]+/)
        .filter((part) => part !== "" && !/^\d+$/.test(part))
        .at(-1) ?? "")
    : (rule.columnSelector?.split(".").at(-1) ?? "");
  return column === "*" ? FALLBACK : exampleForColumn(column);
}

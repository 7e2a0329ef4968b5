/** Per guardrail kind: what it looks at, and the list parameter the form asks for (if any). */
export const GUARDRAIL_KINDS = {
  STATEMENT_KIND: {
    label: "Statement kind",
    list: {
      key: "kinds",
      label: "Statement kinds",
      hint: "e.g. DROP, TRUNCATE, ALTER (a family: every ALTER …); as the gateway names them",
    },
  },
  TABLE: { label: "Table", list: { key: "tables", label: "Tables", hint: "schema.table, schema.* or *" } },
  COLUMN: {
    label: "Column",
    list: { key: "columns", label: "Columns", hint: "e.g. salary, employees.salary" },
  },
  FUNCTION: {
    label: "Function",
    list: { key: "functions", label: "Functions", hint: "e.g. pg_sleep, dblink*" },
  },
  MISSING_WHERE: {
    label: "UPDATE/DELETE without WHERE",
    list: { key: "kinds", label: "Statement kinds", hint: "UPDATE, DELETE" },
  },
  MULTI_STATEMENT: { label: "Several statements in one message", list: null },
  SETTING: {
    label: "Settings changed",
    list: { key: "settings", label: "Settings", hint: "e.g. statement_timeout, search_path" },
  },
  READ_ONLY: { label: "Read-only (no writes)", list: null },
  HTTP_REQUEST: { label: "HTTP call (method, path, query, body)", list: null },
} as const;

export type GuardrailKindName = keyof typeof GUARDRAIL_KINDS;

/**
 * The demo's masking rules and guardrails, one list for both of its databases: the Postgres and
 * the MariaDB shop hold the same tables, so an agent meets the same policy on either. Only the
 * schema (Postgres's `public`, MySQL's database) and the server's file-reading functions differ.
 */

/** The customer columns the demo masks, each with another strategy. */
export function demoMaskingRules(connectionId: string, schema: string) {
  const column = (name: string) => `${schema}.customers.${name}`;
  return [
    { connectionId, name: "customer-email", columnSelector: column("email"), strategy: "HASH" as const },
    { connectionId, name: "customer-ssn", columnSelector: column("ssn"), strategy: "REDACT" as const },
    {
      connectionId,
      name: "customer-card",
      columnSelector: column("card_number"),
      strategy: "PARTIAL" as const,
      keepLast: 4,
    },
  ];
}

/** No DROP or TRUNCATE, no unscoped DELETE or UPDATE, none of `fileFunctions`. */
export function demoGuardrails(connectionId: string, fileFunctions: readonly string[]) {
  return [
    {
      connectionId,
      name: "no-drop-truncate",
      kind: "STATEMENT_KIND" as const,
      match: { kinds: ["DROP", "TRUNCATE"] },
      message: "dropping or truncating tables is not allowed for agents",
    },
    {
      connectionId,
      name: "no-unscoped-delete",
      kind: "MISSING_WHERE" as const,
      match: { kinds: ["DELETE"] },
      message: "add a WHERE clause that scopes the rows to delete",
    },
    {
      connectionId,
      name: "no-unscoped-update",
      kind: "MISSING_WHERE" as const,
      match: { kinds: ["UPDATE"] },
      message: "add a WHERE clause that scopes the rows to update",
    },
    {
      connectionId,
      name: "no-file-functions",
      kind: "FUNCTION" as const,
      match: { functions: [...fileFunctions] },
      message: "reading server files is not allowed",
    },
  ];
}

import { ALLOW_ONLY_KINDS, KIND_FAMILIES, REPORTED_KINDS } from "@sluice/sql/statement-kinds";

/**
 * Every name a rule may give as a statement kind, sorted: the schemas validate against it, and
 * forms offer it. Kept apart from the schemas so a browser bundle can take the list alone.
 */
export const STATEMENT_KIND_NAMES: readonly string[] = [
  ...new Set([...REPORTED_KINDS, ...KIND_FAMILIES, ...ALLOW_ONLY_KINDS]),
].sort();

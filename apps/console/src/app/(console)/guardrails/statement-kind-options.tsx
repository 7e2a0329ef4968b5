import { STATEMENT_KIND_NAMES } from "@sluice/policy/statement-kind-names";

/** The id of the datalist below, for an input's `list`. */
export const STATEMENT_KINDS_LIST = "statement-kind-names";

/**
 * Every statement kind a rule may name, offered as the admin types; the API refuses any other
 * name with a message on the field, so a rule that could never fire is not saved.
 */
export function StatementKindOptions() {
  return (
    <datalist id={STATEMENT_KINDS_LIST}>
      {STATEMENT_KIND_NAMES.map((name) => (
        <option key={name} value={name} />
      ))}
    </datalist>
  );
}

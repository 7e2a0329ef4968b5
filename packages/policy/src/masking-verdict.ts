import type { RelationCatalog } from "@sluice/sql/column-lineage";
import type { StatementFacts } from "@sluice/sql/facts";
import { type CatalogSnapshot, namesOnlyCatalog } from "./column-catalog";
import type { SessionContext } from "./engine";
import type { FactsCache } from "./facts-cache";
import type { GeneratedColumns } from "./generated-columns";
import { withInheritedSelectors } from "./inherited-selectors";
import {
  applicableSelectors,
  hasContentRules,
  maskedColumnAsOracle,
  maskedDataLeak,
  maskedTablesRead,
  provablyCleanOutputs,
  unscannedCopy,
} from "./masking-scope";
import { OWNER_CODE_RULE, ownerCodeRefusal } from "./owner-code";
import { candidateNames } from "./patterns";
import { placeholderParamCheck } from "./placeholder-write";
import type { ConnectionPolicy } from "./rules";
import type { PolicySessionState } from "./session-state";
import { sqlNameEffects } from "./sql-name-effects";
import { ALLOW as ALLOW_VERDICT, type Identity, type Verdict } from "./verdict";

/** What the session's SQL cursors read, for the FETCHes that return their rows later. */
export type CursorScope = { maskedTables: Set<string>; relations: Map<string, string[]> };

/** The session an allowed statement's masking scope is computed for. */
export type MaskingScopeOf = {
  identity: Identity;
  state: PolicySessionState;
  cursors: CursorScope;
  /** The upstream's columns for the session, when they are known. */
  columnsFor: (session: SessionContext) => RelationCatalog | undefined;
  /** The upstream's catalog as last read, for rules that reach other relations by inheritance. */
  snapshot?: () => CatalogSnapshot | null;
  /** The upstream's generated columns (the snapshot's, or read apart by the front end). */
  generated?: () => GeneratedColumns | undefined;
};

/** The allow verdict with its masking scope, or a denial when masking could not follow the values. */
export function allowWithMasking(
  scope: MaskingScopeOf,
  policy: ConnectionPolicy,
  parsed: ReturnType<FactsCache["parse"]>,
): Verdict {
  const { identity, state, cursors } = scope;
  if (!parsed.ok) return ALLOW_VERDICT;
  if (!policy.masking?.length) {
    state.afterAllowed(parsed);
    // Relations still go along: sessions list the tables they touched.
    return {
      kind: "allow",
      relations: relationsTouched(parsed.statements, state.searchPath),
      ...sqlNameEffects(parsed.statements),
    };
  }
  // EXECUTE runs what was PREPAREd: its tables are in scope as if named here.
  const statements = parsed.statements.flatMap((facts) =>
    facts.kind === "EXECUTE" && facts.preparedName !== undefined
      ? [facts, ...(state.prepared.get(facts.preparedName) ?? [])]
      : [facts],
  );
  // Relations go with the verdict so masking can also count views over masked tables.
  let relations = relationsTouched(statements, state.searchPath);
  const selectors = withInheritedSelectors(
    applicableSelectors(policy, identity.groups),
    scope.snapshot?.() ?? null,
    scope.generated?.(),
  );
  let maskedTables = maskedTablesRead(selectors, statements, state.searchPath);
  const columns = scope.columnsFor(state) ?? namesOnlyCatalog(state);
  const leak =
    maskedTables.length > 0
      ? maskedDataLeak(selectors, statements, maskedTables, columns)
      : hasContentRules(policy, identity.groups)
        ? unscannedCopy(statements)
        : null;
  const oracle =
    policy.isStrictMasking && maskedTables.length > 0
      ? maskedColumnAsOracle(selectors, statements, columns)
      : null;
  if (oracle) {
    return {
      kind: "deny",
      rule: "sluice:strict-masking",
      message: `blocked by Sluice default "sluice:strict-masking" on connection ${policy.connectionName}: ${oracle}`,
      hint: "select masked columns only to read them; filter, join, sort and group on other columns",
    };
  }
  if (leak) {
    return {
      kind: "deny",
      rule: "sluice:unmaskable-channel",
      message: `blocked by Sluice default "sluice:unmaskable-channel" on connection ${policy.connectionName}: ${leak}`,
      hint: "read masked columns with a plain SELECT; the gateway masks them on the way out",
    };
  }
  // The owner's triggers, rules and defaults run with a write and may copy masked values.
  const isMasking = selectors.length > 0 || hasContentRules(policy, identity.groups);
  const ownerCode = isMasking ? ownerCodeRefusal(policy, statements, scope.snapshot?.()?.code) : null;
  if (ownerCode) {
    return {
      kind: "deny",
      rule: OWNER_CODE_RULE,
      message: `blocked by Sluice default "${OWNER_CODE_RULE}" on connection ${policy.connectionName}: ${ownerCode}`,
      hint: "write to tables whose triggers, rules and defaults an admin has allowed, or ask an admin to allow the function by name",
    };
  }
  state.afterAllowed(parsed);
  if (statements.some((facts) => facts.kinds.includes("DECLARE"))) {
    for (const table of maskedTables) cursors.maskedTables.add(table);
    for (const relation of relations) cursors.relations.set(relation.join(" "), relation);
  }
  // FETCH returns a cursor's rows with none of its tables named: every cursor's scope comes along.
  if (statements.some((facts) => facts.kinds.includes("FETCH") || facts.kinds.includes("MOVE"))) {
    maskedTables = [...new Set([...maskedTables, ...cursors.maskedTables])];
    relations = [...relations, ...cursors.relations.values()];
  }
  const cleanOutputs = provablyCleanOutputs(selectors, parsed.statements, columns);
  const readsNoRows = statements.every((facts) => facts.kinds.every((kind) => ROWLESS_KINDS.has(kind)));
  // A write's parameters arrive only at Bind: they are checked there for placeholders too.
  const isWrite = parsed.statements.some((facts) => facts.tablesWritten.length > 0);
  return {
    kind: "allow",
    maskedTables,
    relations,
    ...(cleanOutputs ? { cleanOutputs } : {}),
    ...(readsNoRows ? { readsNoRows } : {}),
    ...(isWrite ? { checkParams: placeholderParamCheck(policy.connectionName) } : {}),
    ...sqlNameEffects(parsed.statements),
  };
}

/**
 * Kinds the server runs without reading a row of any relation: they define, rename or drop objects
 * (a new table is empty; a function, trigger or policy body is checked, not run). Their errors
 * name objects, never values. ALTER TABLE (a RENAME counts as one), CREATE INDEX, CLUSTER and
 * REFRESH read rows (a duplicate key's DETAIL quotes it; a USING cast prints the value it failed
 * on) and are not here; neither is CREATE VIEW, whose query is reported as a SELECT.
 */
const ROWLESS_KINDS = new Set([
  "CREATE TABLE",
  "CREATE SCHEMA",
  "CREATE SEQUENCE",
  "CREATE FUNCTION",
  "CREATE TRIGGER",
  "CREATE RULE",
  "CREATE POLICY",
  "ALTER POLICY",
  "ALTER OWNER",
  "DROP",
  "COMMENT",
  "RENAME",
  "GRANT",
  "REVOKE",
  "LOCK",
]);

export function relationsTouched(statements: StatementFacts[], searchPath: readonly string[]): string[][] {
  const tables = statements.flatMap((facts) => [...facts.tablesRead, ...facts.tablesWritten]);
  return tables.map((table) => candidateNames(table, searchPath));
}

import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import { isComputedFrom } from "@sluice/policy/generated-columns";
import type { Verdict } from "@sluice/policy/verdict";
import { generatedColumnsOf } from "./generated-columns";
import { DESCRIPTIVE_SYSTEM_RELATIONS, SYSTEM_SCHEMAS, type UpstreamCatalog } from "./upstream-catalog";
import { isCleanTrace } from "./view-lineage";

type AllowVerdict = Extract<Verdict, { kind: "allow" }>;

/**
 * What one statement's answer is masked by: whether it may read masked values at all (a table a
 * rule covers, or a relation whose columns cannot be traced by name: a view that is untraceable or
 * reaches a masked column, a system relation holding values, a name the catalog does not know),
 * and which column origins are stored tables or traced view columns.
 */
export type MaskingScope = {
  readsMasked: boolean;
  /** Relations that made the statement opaque (views, unknown names), for refusals and tests. */
  opaque: readonly string[];
  /** The catalog the origins are checked against; null when it could not be read (nothing is trusted). */
  catalog: UpstreamCatalog | null;
  derivedNames: ReadonlySet<string>;
  constants: readonly boolean[] | null;
  /** The policy's lineage, used only when nothing opaque is read (it reads views by name). */
  cleanOutputs: readonly boolean[] | null;
  /** The applicable masking selectors, which a view column's traced sources are checked against. */
  selectors: readonly string[];
};

/** Candidate names the policy adds for PostgreSQL's implicit schemas: never a MySQL database. */
const FOREIGN_CANDIDATE = /^pg_(catalog|temp)\./;

/** The relations (each a list of the names it may resolve to) no candidate of which the catalog knows. */
export function unknownRelations(verdict: AllowVerdict | null, catalog: UpstreamCatalog | null): string[][] {
  return candidateLists(verdict).filter(
    (candidates) => !candidates.some((name) => catalog?.relations.has(name) || isSystemName(name)),
  );
}

export function maskingScope(
  verdict: AllowVerdict | null,
  shape: MaskingShape | null,
  catalog: UpstreamCatalog | null,
  selectors: readonly string[] = [],
): MaskingScope {
  const derivedNames = shape?.derivedNames ?? new Set<string>();
  const opaque: string[] = [];
  for (const candidates of candidateLists(verdict)) {
    const isOpaque =
      catalog === null ||
      candidates.some(
        (name) =>
          (catalog.relations.get(name) === "view" && !isCleanView(catalog, name, selectors)) ||
          isValueHoldingSystem(name),
      ) ||
      (!candidates.some((name) => catalog.relations.has(name) || isSystemName(name)) &&
        !candidates.every((name) => derivedNames.has(relationPart(name))));
    if (isOpaque) opaque.push(candidates.join(" or "));
  }
  // A statement that could not be shaped (read by the policy, not here) is opaque as a whole.
  if (shape === null && verdict !== null) opaque.push("(the statement's shape)");
  // Statement text (SHOW PROCESSLIST's Info) quotes whatever its statement did: read as opaque,
  // as information_schema.PROCESSLIST is.
  if (shape?.readsStatementText) opaque.push("(statement text the server holds)");
  const readsMasked = (verdict?.maskedTables?.length ?? 0) > 0 || opaque.length > 0;
  return {
    readsMasked,
    opaque,
    catalog,
    derivedNames,
    constants: shape?.constants ?? null,
    cleanOutputs: opaque.length === 0 ? (verdict?.cleanOutputs ?? null) : null,
    selectors,
  };
}

/**
 * A view every column of which traces to stored columns no selector covers reads no masked value:
 * it is read like a table. A CTE's name, which no catalog holds, is traced like a derived table
 * (its columns report it as their origin, never trusted as stored, and the policy's lineage follows it).
 */
function isCleanView(catalog: UpstreamCatalog, name: string, selectors: readonly string[]): boolean {
  const trace = catalog.views.get(name);
  return (
    trace !== null &&
    trace !== undefined &&
    [...trace.values()].every((sources) => isCleanTrace(sources, selectors))
  );
}

function relationPart(qualified: string): string {
  return qualified.slice(qualified.indexOf(".") + 1);
}

/**
 * A statement that may read masked values must not keep them where no column origin follows:
 * a user variable or setting read back later, or another table (read back in clear).
 */
export function unmaskableChannel(scope: MaskingScope, shape: MaskingShape | null): string | null {
  if (!scope.readsMasked || shape === null) return null;
  if (shape.storesValues) {
    return "it stores values in a variable or setting, where masking cannot follow them, while it reads masked or untraceable columns";
  }
  const write = shape.statements.find((facts) => facts.tablesWritten.length > 0);
  if (write && scope.opaque.length > 0) {
    return `${write.kind} would copy values of ${scope.opaque[0]} (a view or a relation whose columns cannot be traced) into ${write.tablesWritten[0]?.name}, where they could be read back in clear`;
  }
  return null;
}

/**
 * The origin names a stored table's column, so a rule on that column (or none) decides it; or a
 * view's column whose trace reads only columns no selector covers.
 */
export function isCleanOrigin(
  scope: MaskingScope,
  origin: { schema: string; orgTable: string; orgName: string },
): boolean {
  if (origin.orgTable === "" || origin.orgName === "" || scope.catalog === null) return false;
  if (scope.derivedNames.has(origin.orgTable.toLowerCase())) return false;
  const key = `${origin.schema}.${origin.orgTable}`.toLowerCase();
  const kind = scope.catalog.relations.get(key);
  if (kind === "table") return !isComputedFromMasked(scope, origin);
  const column = scope.catalog.views.get(key)?.get(origin.orgName.toLowerCase());
  return kind === "view" && isCleanTrace(column, scope.selectors);
}

/**
 * A generated column of a stored table is computed from other columns of its row: one whose
 * expression reads a masked column (or cannot be read), directly or through other generated
 * columns (`ssn4_x AS (CONCAT(ssn4, 'x'))` over `ssn4 AS (RIGHT(ssn, 4))`), is that column under
 * another name, whatever the policy's lineage (which knows it only by its own name) says.
 */
export function isComputedFromMasked(
  scope: MaskingScope,
  origin: { schema: string; orgTable: string; orgName: string },
): boolean {
  if (scope.catalog?.writeCode === undefined) return false;
  const column = { schema: origin.schema, table: origin.orgTable, column: origin.orgName };
  const isMasked = (input: string) =>
    !isCleanTrace({ isUnknown: false, columns: [{ ...column, column: input }] }, scope.selectors);
  return isComputedFrom(generatedColumnsOf(scope.catalog), column, isMasked);
}

function candidateLists(verdict: AllowVerdict | null): string[][] {
  return (verdict?.relations ?? [])
    .map((candidates) =>
      candidates.filter((name) => !FOREIGN_CANDIDATE.test(name)).map((name) => name.toLowerCase()),
    )
    .filter((candidates) => candidates.length > 0);
}

function isSystemName(name: string): boolean {
  return SYSTEM_SCHEMAS.has(name.slice(0, name.indexOf(".")));
}

function isValueHoldingSystem(name: string): boolean {
  return isSystemName(name) && !DESCRIPTIVE_SYSTEM_RELATIONS.has(name);
}

/** What needs no masking: a ping, a statement reset. */
export const NOTHING_READ: MaskingScope = maskingScope(null, null, null);

import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import type { ColumnSource } from "@sluice/sql/column-lineage";
import type { RoutineRef, TableRef } from "@sluice/sql/facts";
import { applicableRules } from "./column-masking";
import type { UpstreamCatalog } from "./upstream-catalog";
import { isCleanTrace } from "./view-lineage";
import type { WriteCodePiece } from "./write-code";

/** The Sluice default a write is refused under when the owner's code it runs could copy masked values. */
export const OWNER_CODE_RULE = "sluice:owner-code";

/** Writes reaching writes (a trigger writing a table whose triggers write …) are followed this deep. */
export const MAX_CODE_NESTING = 16;

export type OwnerCodeJudge = {
  /** The applicable masking selectors. */
  selectors: readonly string[];
  /** A built-in Sluice classifies safe, or a function an ALLOW FUNCTION guardrail names. */
  isCallAllowed: (call: RoutineRef) => boolean;
};

/** The selectors of the column rules that apply to an agent of these groups. */
export function ownerCodeSelectors(rules: readonly MaskingRuleDef[], groups: readonly string[]): string[] {
  return applicableRules(rules, groups).map((rule) => rule.selector as string);
}

/**
 * The refusal the agent gets for owner's code that could copy masked values, or null: the same
 * words from the MySQL relay and from the console's try box.
 */
export function ownerCodeDenial(
  shape: MaskingShape | null,
  catalog: UpstreamCatalog | null,
  judge: OwnerCodeJudge,
): Extract<Verdict, { kind: "deny" }> | null {
  const why = ownerCodeRefusal(shape, catalog, judge);
  if (!why) return null;
  return {
    kind: "deny",
    rule: OWNER_CODE_RULE,
    message: `blocked by Sluice default "${OWNER_CODE_RULE}": ${why}`,
    hint: "write to tables whose triggers and computed columns copy no masked value, or ask an admin to allow the function by name",
  };
}

/**
 * Why a write on a connection with masking may not run the owner's code it fires, or null. A
 * trigger, a generated column, a DEFAULT or ON UPDATE expression runs with the agent's write and
 * may copy clear values where no masking rule follows them (`AFTER INSERT ON orders … INSERT INTO
 * audit SELECT ssn FROM customers`). Each piece is judged as read at the catalog read: refused when
 * Sluice cannot read it, when it calls a function that is neither a safe built-in nor allowed by
 * name, or when it reads a masked column (through `NEW`/`OLD`, a table or a view) — unless it is a
 * column computed into a column that is masked itself. The relations the code writes are judged in
 * turn. A table whose triggers the catalog read may have missed (MySQL without TRIGGER on it, or a
 * table the login holds nothing on) counts as running code Sluice cannot judge. Without the
 * catalog's write code nothing is known: every write is refused.
 */
export function ownerCodeRefusal(
  shape: MaskingShape | null,
  catalog: UpstreamCatalog | null,
  judge: OwnerCodeJudge,
): string | null {
  const written = (shape?.statements ?? []).flatMap((facts) => facts.tablesWritten);
  if (written.length === 0) return null;
  const [first] = written;
  if (!catalog?.writeCode) {
    return `the upstream's catalog could not be read, so what a write to ${shownTable(first as TableRef)} runs (triggers, generated columns, defaults) is unknown`;
  }
  const code = catalog.writeCode;
  const seen = new Set<string>();
  const visit = (keys: readonly string[], shown: string, depth: number): string | null => {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      // Triggers the read could not list run all the same (trigger-sight.ts).
      const unseen = catalog.triggerSight?.whyUnseen(key, depth === 0);
      if (unseen)
        return `a write to ${shown} runs the triggers of ${key}, which Sluice cannot see (${unseen}) and which could copy masked values into a table no masking rule covers; an admin can give the brokered login TRIGGER on it`;
      for (const piece of code.get(key) ?? []) {
        if (depth > MAX_CODE_NESTING)
          return `a write to ${shown} runs code that writes tables more than ${MAX_CODE_NESTING} levels deep`;
        const why = unjudgedPiece(piece, catalog, judge);
        if (why) return `a write to ${shown} runs the table owner's ${piece.source} on ${piece.via}, ${why}`;
        if (piece.reading.isReadable) {
          const next = piece.reading.writes.map((table) => `${table.schema}.${table.table}`.toLowerCase());
          const nested = visit(next, shown, depth + 1);
          if (nested) return nested;
        }
      }
    }
    return null;
  };
  for (const table of written) {
    const refusal = visit(keysOf(table, catalog), shownTable(table), 0);
    if (refusal) return refusal;
  }
  return null;
}

/** A name without a database may be any database's relation of that name: all of them count. */
function keysOf(table: TableRef, catalog: UpstreamCatalog): string[] {
  const name = table.name.toLowerCase();
  if (table.schema !== null) return [`${table.schema}.${name}`.toLowerCase()];
  return [...catalog.relations.keys()].filter((key) => key.slice(key.indexOf(".") + 1) === name);
}

function unjudgedPiece(
  piece: WriteCodePiece,
  catalog: UpstreamCatalog,
  judge: OwnerCodeJudge,
): string | null {
  const reading = piece.reading;
  if (!reading.isReadable) {
    return `which Sluice cannot judge (${reading.why}) and which could copy masked values into a table no masking rule covers; mask that table's columns on another connection, or write without masking`;
  }
  const call = reading.calls.find((candidate) => !judge.isCallAllowed(candidate));
  if (call) {
    const name = call.schema === null ? call.name : `${call.schema}.${call.name}`;
    return `which calls ${name}(), a function Sluice cannot judge, which could copy masked values into a table no masking rule covers; an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(name)}])`;
  }
  if (reading.reads.isUnknown)
    return "which reads values Sluice cannot trace (a variable, or a relation it does not know), which could be masked ones";
  if (piece.fills !== null && isMaskedColumn(piece.via, piece.fills, judge.selectors)) return null;
  const masked = reading.reads.columns.find((source) => !isCleanSource(source, catalog, judge.selectors));
  if (masked) {
    const where =
      piece.fills === null
        ? "where no masking rule follows it"
        : `into column ${piece.fills}, which no masking rule covers`;
    return `which reads ${shownSource(masked)} (masked, or a view reaching masked columns) and would copy it ${where}`;
  }
  return null;
}

/** A stored column no selector covers; a view's column whose trace reads none. */
function isCleanSource(
  source: ColumnSource,
  catalog: UpstreamCatalog,
  selectors: readonly string[],
): boolean {
  const key = `${source.schema}.${source.table}`.toLowerCase();
  if (catalog.relations.get(key) !== "view")
    return isCleanTrace({ isUnknown: false, columns: [source] }, selectors);
  const trace = catalog.views.get(key);
  if (!trace) return false;
  const columns = source.column === null ? [...trace.values()] : [trace.get(source.column.toLowerCase())];
  return columns.every((sources) => isCleanTrace(sources, selectors));
}

function isMaskedColumn(via: string, column: string, selectors: readonly string[]): boolean {
  const at = via.indexOf(".");
  const source = { schema: via.slice(0, at), table: via.slice(at + 1), column };
  return !isCleanTrace({ isUnknown: false, columns: [source] }, selectors);
}

function shownTable(table: TableRef): string {
  return table.schema === null ? table.name : `${table.schema}.${table.name}`;
}

function shownSource(source: ColumnSource): string {
  return `${source.schema}.${source.table}.${source.column ?? "*"}`;
}

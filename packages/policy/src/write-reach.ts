import type { RoutineRef, StatementFacts, TableRef } from "@sluice/sql/facts";
import { namesFor, type SessionContext } from "./engine";
import type { OwnerWrite } from "./owner-writes";
import { unprovenRowTarget } from "./uncommitted-relations";
import type { OpaqueView } from "./view-reads";

/**
 * Why a write reaches a relation a TABLE rule on writes covers without naming it, or null. A write
 * changes more than the relations it names, and the ways compose, so they are followed together to
 * a fixed point:
 *   - through views: the server rewrites a write to an updatable view into one to the relation its
 *     query reads, through any number of views (INSTEAD OF code can write anything, so a view
 *     Sluice cannot trace counts as writing every table); not a DROP of the view without CASCADE,
 *     which writes nothing under it;
 *   - through foreign keys' cascades: a DELETE or UPDATE of a referenced table changes the tables
 *     whose keys cascade (CASCADE, SET NULL, SET DEFAULT), and `TRUNCATE … CASCADE` empties every
 *     referencing table; which rows are reached is not judged (refusing more, never less); the
 *     rows a cascade changes fire the referencing table's triggers only where the cascades say so
 *     (PostgreSQL's do, InnoDB's do not);
 *   - through inheritance families: a relation's parents, children and partitions;
 *   - through the triggers a write fires, where the front end reads their bodies (MySQL's; see
 *     owner-writes.ts): the tables a trigger writes, whose own triggers run in turn. A body Sluice
 *     cannot judge, or one calling a function not trusted (`isCallTrusted`), counts as writing
 *     every table, as owner code does on Postgres (owner-code.ts), and so does a table whose
 *     triggers the catalog read may have missed (`whyTriggersUnseen`: MySQL's privilege filter);
 * so `DELETE FROM cv` with `cv` over customers, whose keys cascade into orders, writes orders.
 * Without the catalog none of this can be followed: any write may reach anything (fail closed).
 */
export function writeReach(
  facts: StatementFacts,
  session: SessionContext,
  isCovered: (name: string) => boolean,
  isCallTrusted: (call: RoutineRef) => boolean = () => false,
): string | null {
  const written = [...new Set(facts.tablesWritten.flatMap((table) => startNames(facts, table, session)))];
  if (written.length === 0) return null;
  if (session.catalogUnreadBecause !== undefined) {
    const [first] = facts.tablesWritten;
    const name = first?.schema ? `${first.schema}.${first.name}` : first?.name;
    return `${facts.kind} writes ${name}, which may be a view over, or have foreign keys cascading into, a table the rule covers: ${session.catalogUnreadBecause}`;
  }
  const unproven = unprovenRowTarget(facts, session);
  if (unproven !== null) return unproven;
  const { viewReads, cascades, families, ownerWrites } = session;
  const viewKey = (name: string) => (viewReads?.isCaseFolded ? name.toLowerCase() : name);
  const cascadeKey = (name: string) => (cascades?.isCaseFolded ? name.toLowerCase() : name);
  const ownerKey = (name: string) => (ownerWrites?.isCaseFolded ? name.toLowerCase() : name);
  const isTruncate = facts.kinds.includes("TRUNCATE");
  const isDropRestricted = facts.kind === "DROP" && facts.dropsDependents !== true;
  // Each relation reached, with the chain of steps that reached it (for the verdict's message).
  type Reached = {
    name: string;
    chain: string;
    isStart: boolean;
    throughView: boolean;
    throughTrigger: boolean;
    /** Whether its triggers run: not when only a cascade that fires none changed it. */
    firesTriggers: boolean;
  };
  // Each relation with whether it was reached firing its triggers: one reached first by such a
  // cascade is followed again when a write that fires them reaches it too.
  const seen = new Map<string, boolean>();
  const pending: Reached[] = [];
  const reach = (from: Reached | null, name: string, step: string, how: "view" | "cascade" | "trigger") => {
    const chain = from ? `${from.chain} → ${step} ${name}` : name;
    const reached = {
      name,
      chain,
      isStart: from === null,
      throughView: (from?.throughView ?? false) || how === "view",
      throughTrigger: (from?.throughTrigger ?? false) || how === "trigger",
      firesTriggers: from === null || how !== "cascade" || cascades?.firesTriggers !== false,
    };
    pending.push(reached);
    // Its parents, children and partitions share its rows: a write reaching it reaches them (and
    // their own views' and keys' paths), the way a write to a relation the statement names does.
    for (const relation of families?.get(name) ?? [])
      pending.push({ ...reached, name: relation, chain: `${chain} → family member ${relation}` });
  };
  for (const name of written) reach(null, name, "", "cascade");
  for (let at = pending.shift(); at !== undefined; at = pending.shift()) {
    const key = viewKey(at.name);
    const firedBefore = seen.get(key);
    if (firedBefore === true || (firedBefore === false && !at.firesTriggers)) continue;
    seen.set(key, at.firesTriggers);
    // A relation the statement names is judged by the rule itself; one reached is the finding.
    if (!at.isStart && isCovered(at.name)) return reachedMessage(facts, at);
    if (viewReads?.unknownBecause !== undefined) {
      return `${facts.kind} writes through ${at.name} into a table the rule covers (${at.name} may be a view reading any column: ${viewReads.unknownBecause})`;
    }
    const view = viewReads?.get(key);
    // Dropping a view changes no row of what it reads, and without CASCADE the server refuses the
    // drop when anything else (another table's rule or row security policy) depends on it.
    if (view !== undefined && at.isStart && isDropRestricted) continue;
    if (view === "opaque") return `${facts.kind} writes through ${at.chain} into a table the rule covers`;
    if (view !== undefined && !Array.isArray(view)) {
      return `${facts.kind} writes through ${at.chain} into a table the rule covers (view ${at.name} counts as reading every column: ${(view as OpaqueView).whyOpaque})`;
    }
    if (Array.isArray(view)) {
      for (const source of view) reach(at, `${source.schema}.${source.table}`, "view over", "view");
      continue;
    }
    const cascade = cascades?.get(cascadeKey(at.name));
    // TRUNCATE … CASCADE reaches every referencing table, but only from the tables it names.
    const changed = (isTruncate && at.isStart ? cascade?.truncates : cascade?.changes) ?? [];
    for (const name of changed) reach(at, name, "foreign key cascade into", "cascade");
    if (!at.firesTriggers) continue;
    if (ownerWrites?.unknownBecause !== undefined) {
      return `${facts.kind} writes ${at.chain}, whose triggers may write a table the rule covers: ${ownerWrites.unknownBecause}`;
    }
    const unseen = ownerWrites?.whyTriggersUnseen?.(at.name, at.isStart);
    if (unseen) {
      return `${facts.kind} writes ${at.chain}, whose triggers Sluice cannot see (${unseen}), so they count as writing every table, the rule's among them; an admin can give the brokered login TRIGGER on it`;
    }
    // Every trigger of the table counts, whatever its event or timing (refusing more, never less).
    for (const piece of ownerWrites?.get(ownerKey(at.name)) ?? []) {
      const unjudged = unjudgedTrigger(piece, isCallTrusted);
      if (unjudged)
        return `${facts.kind} writes ${at.chain}, which runs the table owner's ${piece.source} on ${piece.via}: ${unjudged}`;
      if ("writes" in piece)
        for (const name of piece.writes) reach(at, name, `${piece.source} writes`, "trigger");
    }
  }
  return null;
}

/**
 * The names a written relation may have, where a write to it starts. A bare, not temporary, plain
 * CREATE TABLE makes its table in the first schema of the path that is not pg_temp (the server
 * never creates there unless told), so the session's temporary relation of the name is not where
 * it goes: `CREATE TABLE notes (…)` beside a temporary view notes over a covered table makes
 * public.notes and writes through nothing. A later bare write to notes finds the view first, and
 * is followed into it.
 */
function startNames(facts: StatementFacts, table: TableRef, session: SessionContext): string[] {
  const names = namesFor(table, session);
  const plain = facts.plainTable;
  const isBarePermanentCreate =
    facts.kind === "CREATE TABLE" &&
    plain !== undefined &&
    !plain.isTemporary &&
    plain.schema === null &&
    table.schema === null &&
    table.name === plain.name;
  return isBarePermanentCreate ? names.filter((name) => !name.startsWith("pg_temp.")) : names;
}

/** Why a trigger counts as writing every table, or null when what it writes is known. */
function unjudgedTrigger(piece: OwnerWrite, isCallTrusted: (call: RoutineRef) => boolean): string | null {
  if ("whyUnjudged" in piece)
    return `Sluice cannot judge its body (${piece.whyUnjudged}), so it counts as writing every table, the rule's among them`;
  const call = piece.calls.find((candidate) => !isCallTrusted(candidate));
  if (!call) return null;
  const name = call.schema === null ? call.name : `${call.schema}.${call.name}`;
  return `it calls ${name}(), whose body Sluice cannot see, so it counts as writing every table, the rule's among them; an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(name)}])`;
}

function reachedMessage(
  facts: StatementFacts,
  at: { name: string; chain: string; throughView: boolean; throughTrigger: boolean },
): string {
  const start = at.chain.slice(0, at.chain.indexOf(" → "));
  const reached = at.chain.slice(at.chain.lastIndexOf(" ") + 1);
  if (at.throughView)
    return `${facts.kind} writes through ${start} into a table the rule covers (${at.chain})`;
  return at.throughTrigger
    ? `${facts.kind} writes ${start}, whose triggers write ${reached} (${at.chain})`
    : `${facts.kind} writes ${start}, whose foreign keys cascade into ${reached} (${at.chain})`;
}

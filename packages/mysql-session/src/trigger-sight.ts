import { type GrantNameRules, mayName, surelyNames } from "./grant-names";
import type { TriggerGrants } from "./trigger-grants";
import { type CatalogRelationRow, SYSTEM_SCHEMAS } from "./upstream-catalog";

/**
 * Which tables' triggers the catalog read could have missed. Both servers list a table's triggers
 * in information_schema.TRIGGERS only to a login they list the table to at all, and a write
 * reaches such tables through a view or a trigger running with its definer's rights. MySQL goes
 * further: it lists a table's triggers only to a login holding TRIGGER on it (`CAN_ACCESS_TRIGGER
 * (schema, table)` in the view's WHERE: the privilege at any level, through active roles, less
 * partial revokes), where MariaDB lists them and withholds the body (write-code.ts). A table whose
 * triggers may be missing is read as having one whose body cannot be read: under a TABLE rule on
 * writes it counts as writing every table.
 */
export type TriggerSight = {
  /**
   * Why `schema.table`'s triggers may be missing from the read, or null when every one of them was
   * listed. `isNamed`: the statement names it itself (rather than reaching it through a view or a
   * trigger).
   */
  readonly whyUnseen: (name: string, isNamed: boolean) => string | null;
};

/**
 * Whether the server lists triggers by privilege. MariaDB puts `-MariaDB` in its version string
 * (`10.11.6-MariaDB-0+deb12u1`) and MySQL cannot (its version has no suffix setting);
 * @@version_comment is the packager's free text (`Debian 12`), so it decides nothing. Anything not
 * MariaDB — MySQL, Percona, a proxy answering with its own version — is taken to list by privilege.
 */
export function listsTriggersByPrivilege(version: string): boolean {
  return !/-mariadb/i.test(version);
}

/**
 * The sight the read had over the relations it listed: all of their triggers where the server lists
 * them whatever the login holds (`grants` null: MariaDB), else those of tables the login's grants
 * give TRIGGER on. A database-level grant's name is read as the server reads it under `rules`
 * (`app\_%`.* names app_1; grant-names.ts), or only where every reading agrees when the rules are
 * unknown; and since the server takes a database's privileges from the first grant row whose name
 * matches it, TRIGGER counts there only when every database-level grant that may match gives it. A
 * partial revoke counts for every database its name matches in any case.
 */
export function triggerSightOf(
  grants: TriggerGrants | null,
  relations: readonly CatalogRelationRow[],
  rules: GrantNameRules | null = null,
): TriggerSight {
  const whyListedUnseen = listedSight(grants, rules);
  // Names the read listed, case-folded as write-reach's are; one spelling unseen makes the name unseen.
  const listed = new Map<string, string | null>();
  for (const row of relations) {
    const key = `${row.schema}.${row.table}`.toLowerCase();
    if (listed.get(key)) continue;
    // A view has no trigger of its own (what a write through it reaches is followed instead).
    listed.set(key, row.type === "VIEW" ? null : whyListedUnseen(row.schema, row.table));
  }
  return {
    whyUnseen: (name, isNamed) => {
      if (cannotHoldTriggers(name)) return null;
      const left = leftOutSchema(name);
      if (left !== null)
        return `the catalog read leaves out the triggers of database ${left}, taken for one of the server's own`;
      const known = listed.get(name.toLowerCase());
      if (known !== undefined) return known;
      // The login writes directly only tables it holds a privilege on, which the read lists: a
      // name the statement gives that the read lacks is another spelling's candidate, or the
      // server refuses the write. One reached through a view's or a trigger's definer rights may
      // be any table, and the server lists none of its triggers to this login.
      if (isNamed) return null;
      return `the brokered login holds no privilege on ${name}, so the server lists none of its triggers to it`;
    },
  };
}

/** Why a listed table's triggers may be missing, by the login's grants; always null on MariaDB. */
function listedSight(
  grants: TriggerGrants | null,
  rules: GrantNameRules | null,
): (schema: string, table: string) => string | null {
  if (grants === null) return () => null;
  if ("unknownBecause" in grants) {
    const why = `the brokered login's grants could not be read (${grants.unknownBecause}), and MySQL lists a table's triggers only to a login holding TRIGGER on it`;
    return () => why;
  }
  const holdsOnSchema = (schema: string) => {
    const matching = grants.schemas.filter((grant) => mayName(grant.name, schema));
    return (
      matching.every((grant) => grant.hasTrigger) &&
      matching.some((grant) => surelyNames(grant.name, schema, rules))
    );
  };
  const holds = (schema: string, table: string) =>
    grants.tables.some((grant) => grant.schema === schema && grant.table === table) ||
    holdsOnSchema(schema) ||
    (grants.isGlobal &&
      !grants.revokedSchemas.some((revoked) => revoked.toLowerCase() === schema.toLowerCase()));
  return (schema, table) =>
    holds(schema, table)
      ? null
      : `the brokered login lacks the TRIGGER privilege on ${schema}.${table}, and MySQL lists a table's triggers only to a login holding it`;
}

/**
 * The databases no trigger can be made in: information_schema and performance_schema (the server's
 * names in any case), and `mysql` itself, whose tables the server refuses a trigger on ("Triggers
 * can not be created on system tables", shown on MariaDB). `MySQL` is another database where names
 * are case-sensitive, so only the exact name counts.
 */
const TRIGGERLESS_SCHEMAS = new Set(["information_schema", "performance_schema"]);

function cannotHoldTriggers(name: string): boolean {
  const dot = name.indexOf(".");
  if (dot <= 0) return false;
  const schema = name.slice(0, dot);
  return schema === "mysql" || TRIGGERLESS_SCHEMAS.has(schema.toLowerCase());
}

/**
 * The database of `name` when the catalog read leaves its triggers out as a system schema's
 * (SYSTEM_SCHEMAS, compared without case) although it may hold a user's trigger: `sys` is an
 * ordinary database (MySQL's helper views live there; anyone with CREATE may make it where it is
 * missing), and with lower_case_table_names=0 `Sys` or `MySQL` is another database altogether
 * (`mysql-bypass-system-named-schema.int.test.ts`). Null for every other database.
 */
function leftOutSchema(name: string): string | null {
  const dot = name.indexOf(".");
  if (dot <= 0) return null;
  const schema = name.slice(0, dot);
  return SYSTEM_SCHEMAS.has(schema.toLowerCase()) ? schema : null;
}

/**
 * Statement node types the engine models, with the kind name rules use. A statement type missing
 * here is reported as opaque, and the policy denies it: new syntax fails closed.
 */
export const STATEMENT_KINDS = new Map<string, string>([
  ["SelectStmt", "SELECT"],
  ["InsertStmt", "INSERT"],
  ["UpdateStmt", "UPDATE"],
  ["DeleteStmt", "DELETE"],
  ["MergeStmt", "MERGE"],
  ["CopyStmt", "COPY"],
  ["ExplainStmt", "EXPLAIN"],
  ["TruncateStmt", "TRUNCATE"],
  ["DropStmt", "DROP"],
  ["CreateStmt", "CREATE TABLE"],
  ["CreateTableAsStmt", "CREATE TABLE AS"],
  ["ViewStmt", "CREATE VIEW"],
  ["IndexStmt", "CREATE INDEX"],
  ["AlterTableStmt", "ALTER TABLE"],
  ["RenameStmt", "RENAME"],
  ["CreateSchemaStmt", "CREATE SCHEMA"],
  ["CreateSeqStmt", "CREATE SEQUENCE"],
  ["AlterSeqStmt", "ALTER SEQUENCE"],
  ["CommentStmt", "COMMENT"],
  ["LockStmt", "LOCK"],
  ["RefreshMatViewStmt", "REFRESH MATERIALIZED VIEW"],
  ["CreateTrigStmt", "CREATE TRIGGER"],
  ["RuleStmt", "CREATE RULE"],
  ["TransactionStmt", "TRANSACTION"],
  ["VariableSetStmt", "SET"],
  ["VariableShowStmt", "SHOW"],
  ["DiscardStmt", "DISCARD"],
  ["PrepareStmt", "PREPARE"],
  ["ExecuteStmt", "EXECUTE"],
  ["DeallocateStmt", "DEALLOCATE"],
  ["DeclareCursorStmt", "DECLARE"],
  ["FetchStmt", "FETCH"],
  ["ClosePortalStmt", "CLOSE"],
  ["ListenStmt", "LISTEN"],
  ["UnlistenStmt", "UNLISTEN"],
  ["NotifyStmt", "NOTIFY"],
  ["CallStmt", "CALL"],
  ["DoStmt", "DO"],
  ["VacuumStmt", "VACUUM"],
  ["CheckPointStmt", "CHECKPOINT"],
  ["ReindexStmt", "REINDEX"],
  ["ClusterStmt", "CLUSTER"],
  ["GrantStmt", "GRANT"],
  ["GrantRoleStmt", "GRANT ROLE"],
  ["CreateRoleStmt", "CREATE ROLE"],
  ["AlterRoleStmt", "ALTER ROLE"],
  ["AlterRoleSetStmt", "ALTER ROLE"],
  ["DropRoleStmt", "DROP ROLE"],
  ["AlterDefaultPrivilegesStmt", "ALTER DEFAULT PRIVILEGES"],
  ["AlterOwnerStmt", "ALTER OWNER"],
  ["AlterSystemStmt", "ALTER SYSTEM"],
  ["CreateFunctionStmt", "CREATE FUNCTION"],
  ["CreateExtensionStmt", "CREATE EXTENSION"],
  ["LoadStmt", "LOAD"],
  ["CreateForeignServerStmt", "CREATE SERVER"],
  ["CreateUserMappingStmt", "CREATE USER MAPPING"],
  ["ImportForeignSchemaStmt", "IMPORT FOREIGN SCHEMA"],
  ["CreateEventTrigStmt", "CREATE EVENT TRIGGER"],
  ["CreatePolicyStmt", "CREATE POLICY"],
  ["AlterPolicyStmt", "ALTER POLICY"],
]);

const TRANSACTION_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: "BEGIN",
  TRANS_STMT_START: "BEGIN",
  TRANS_STMT_COMMIT: "COMMIT",
  TRANS_STMT_ROLLBACK: "ROLLBACK",
  TRANS_STMT_SAVEPOINT: "SAVEPOINT",
  TRANS_STMT_RELEASE: "RELEASE",
  TRANS_STMT_ROLLBACK_TO: "ROLLBACK",
  TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
  TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
  TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
};

export function transactionKind(kind: string): string {
  return TRANSACTION_KINDS[kind] ?? "TRANSACTION";
}

/**
 * Statement node types the engine does not model, named as their SQL begins. They are opaque (the
 * policy denies them by default), and an ALLOW rule for one of these names is how an admin lets
 * one through: so each needs a name people can write, and every ALTER … belongs to ALTER.
 */
export const UNMODELED_KINDS = new Map<string, string>([
  ["ReplicaIdentityStmt", "ALTER TABLE"],
  ["AlterTableMoveAllStmt", "ALTER TABLE ALL IN TABLESPACE"],
  ["AlterCollationStmt", "ALTER COLLATION"],
  ["AlterDomainStmt", "ALTER DOMAIN"],
  ["CreateTableSpaceStmt", "CREATE TABLESPACE"],
  ["DropTableSpaceStmt", "DROP TABLESPACE"],
  ["AlterTableSpaceOptionsStmt", "ALTER TABLESPACE"],
  ["AlterExtensionStmt", "ALTER EXTENSION"],
  ["AlterExtensionContentsStmt", "ALTER EXTENSION"],
  ["CreateFdwStmt", "CREATE FOREIGN DATA WRAPPER"],
  ["AlterFdwStmt", "ALTER FOREIGN DATA WRAPPER"],
  ["AlterForeignServerStmt", "ALTER SERVER"],
  ["CreateForeignTableStmt", "CREATE FOREIGN TABLE"],
  ["AlterUserMappingStmt", "ALTER USER MAPPING"],
  ["DropUserMappingStmt", "DROP USER MAPPING"],
  ["CreateAmStmt", "CREATE ACCESS METHOD"],
  ["AlterEventTrigStmt", "ALTER EVENT TRIGGER"],
  ["CreatePLangStmt", "CREATE LANGUAGE"],
  ["CreateDomainStmt", "CREATE DOMAIN"],
  ["CreateOpClassStmt", "CREATE OPERATOR CLASS"],
  ["CreateOpFamilyStmt", "CREATE OPERATOR FAMILY"],
  ["AlterOpFamilyStmt", "ALTER OPERATOR FAMILY"],
  ["SecLabelStmt", "SECURITY LABEL"],
  ["CreateStatsStmt", "CREATE STATISTICS"],
  ["AlterStatsStmt", "ALTER STATISTICS"],
  ["AlterFunctionStmt", "ALTER FUNCTION"],
  ["AlterObjectDependsStmt", "ALTER DEPENDS ON EXTENSION"],
  ["AlterObjectSchemaStmt", "ALTER SET SCHEMA"],
  ["AlterOperatorStmt", "ALTER OPERATOR"],
  ["AlterTypeStmt", "ALTER TYPE"],
  ["CompositeTypeStmt", "CREATE TYPE"],
  ["CreateEnumStmt", "CREATE TYPE"],
  ["CreateRangeStmt", "CREATE TYPE"],
  ["AlterEnumStmt", "ALTER TYPE"],
  ["CreatedbStmt", "CREATE DATABASE"],
  ["AlterDatabaseStmt", "ALTER DATABASE"],
  ["AlterDatabaseRefreshCollStmt", "ALTER DATABASE"],
  ["AlterDatabaseSetStmt", "ALTER DATABASE"],
  ["DropdbStmt", "DROP DATABASE"],
  ["ConstraintsSetStmt", "SET CONSTRAINTS"],
  ["CreateConversionStmt", "CREATE CONVERSION"],
  ["CreateCastStmt", "CREATE CAST"],
  ["CreateTransformStmt", "CREATE TRANSFORM"],
  ["DropOwnedStmt", "DROP OWNED"],
  ["ReassignOwnedStmt", "REASSIGN OWNED"],
  ["AlterTSDictionaryStmt", "ALTER TEXT SEARCH DICTIONARY"],
  ["AlterTSConfigurationStmt", "ALTER TEXT SEARCH CONFIGURATION"],
  ["CreatePublicationStmt", "CREATE PUBLICATION"],
  ["AlterPublicationStmt", "ALTER PUBLICATION"],
  ["CreateSubscriptionStmt", "CREATE SUBSCRIPTION"],
  ["AlterSubscriptionStmt", "ALTER SUBSCRIPTION"],
  ["DropSubscriptionStmt", "DROP SUBSCRIPTION"],
]);

/** DefineStmt creates several kinds of object; which one is in its `kind` field. */
const DEFINED_KINDS: Record<string, string> = {
  OBJECT_AGGREGATE: "CREATE AGGREGATE",
  OBJECT_OPERATOR: "CREATE OPERATOR",
  OBJECT_TYPE: "CREATE TYPE",
  OBJECT_TSPARSER: "CREATE TEXT SEARCH PARSER",
  OBJECT_TSDICTIONARY: "CREATE TEXT SEARCH DICTIONARY",
  OBJECT_TSTEMPLATE: "CREATE TEXT SEARCH TEMPLATE",
  OBJECT_TSCONFIGURATION: "CREATE TEXT SEARCH CONFIGURATION",
  OBJECT_COLLATION: "CREATE COLLATION",
};

export function definedKind(objectKind: string): string {
  return DEFINED_KINDS[objectKind] ?? "CREATE";
}

/** Kinds decided by a field of the node rather than its type (see `kindOf` in extract-facts). */
const FIELD_KINDS = ["RESET", "REVOKE", "MOVE", "ANALYZE", "SELECT INTO"] as const;

/**
 * The name of a statement type PostgreSQL may add later: its words split out of the node name
 * (`AlterFooBarStmt` → `ALTER FOO BAR`), so a future ALTER … still falls in the ALTER family.
 */
export function derivedKind(type: string): string {
  return type
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

/**
 * Kinds only the MySQL path reports (its statements PostgreSQL has no statement for): KILL, which
 * the gateway maps to the agent's own sessions before it runs, and which a rule may refuse or hold.
 */
export const MYSQL_ONLY_KINDS = ["KILL"] as const;

/** Every kind the parser can report, in `StatementFacts.kind` and `kinds`. */
export const REPORTED_KINDS: ReadonlySet<string> = new Set([
  ...MYSQL_ONLY_KINDS,
  ...STATEMENT_KINDS.values(),
  ...UNMODELED_KINDS.values(),
  ...Object.values(TRANSACTION_KINDS),
  ...Object.values(DEFINED_KINDS),
  "TRANSACTION",
  ...FIELD_KINDS,
]);

/**
 * Extra members of a family beyond the kinds that start with its words: `ALTER … RENAME` is a
 * RENAME node, and SELECT INTO creates a table as CREATE TABLE AS does.
 */
const FAMILY_EXTRAS: Record<string, readonly string[]> = {
  ALTER: ["RENAME"],
  CREATE: ["SELECT INTO"],
  "CREATE TABLE": ["SELECT INTO"],
};

/**
 * Names that are no kind of their own but stand for a family: the first word of a kind the parser
 * reports (ALTER, CREATE, REFRESH …). Reported kinds are families too: DROP covers DROP ROLE.
 */
export const KIND_FAMILIES: ReadonlySet<string> = new Set(
  [...REPORTED_KINDS].map((kind) => kind.split(" ")[0] as string).filter((word) => !REPORTED_KINDS.has(word)),
);

/**
 * Kinds a statement counts as besides its own: renaming a relation (or a column or constraint of
 * one) or moving it to another schema is ALTER TABLE … RENAME / SET SCHEMA in SQL, though the
 * parser makes a RenameStmt or AlterObjectSchemaStmt of it; a DENY of ALTER TABLE must cover it.
 */
export function impliedKinds(type: string, node: Record<string, unknown>): string[] {
  const isOnRelation =
    (type === "RenameStmt" || type === "AlterObjectSchemaStmt") && Boolean(node["relation"]);
  return isOnRelation ? ["ALTER TABLE"] : [];
}

/** Pseudo-kinds that only relax a built-in default (COPY with the server's files or programs). */
export const ALLOW_ONLY_KINDS: ReadonlySet<string> = new Set(["COPY FILE", "COPY PROGRAM"]);

/** How a rule's kind name is compared: upper case, single spaces. */
export function normalizeKindName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toUpperCase();
}

/**
 * Rule kind names as `kindCovers` compares them, so each decision does not run the regex again for
 * every kind of every rule. Names come from policies, a handful per connection; the bound keeps a
 * caller passing arbitrary names from growing it.
 */
const normalizedKindNames = new Map<string, string>();
const MAX_REMEMBERED_KIND_NAMES = 1_024;

function rememberNormalized(name: string): string {
  const normalized = normalizeKindName(name);
  if (normalizedKindNames.size >= MAX_REMEMBERED_KIND_NAMES) normalizedKindNames.clear();
  normalizedKindNames.set(name, normalized);
  return normalized;
}

/**
 * Whether a rule's kind name covers a reported kind: the same kind, a kind that begins with its
 * words (ALTER covers ALTER TABLE; CREATE TABLE covers CREATE TABLE AS), or a listed extra member.
 */
export function kindCovers(name: string, kind: string): boolean {
  const wanted = normalizedKindNames.get(name) ?? rememberNormalized(name);
  return wanted === kind || kind.startsWith(`${wanted} `) || (FAMILY_EXTRAS[wanted]?.includes(kind) ?? false);
}

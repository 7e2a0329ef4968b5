/**
 * What a function can do, as Sluice judges it. Every function of the supported server's pg_proc has
 * one (see generated/function-classes.ts and scripts/function-class-rules/, which says why); a
 * function of no class (user-defined, from an extension, in any schema) is unknown, and refused.
 */
export type FunctionClass =
  | "safe"
  | "sleep-and-locks"
  | "settings"
  | "notify"
  | "writes"
  | "catalog-values"
  | "query-text"
  | "large-objects"
  | "admin"
  | "server-files"
  | "executes-sql";

/** Least to most dangerous: where overloads of one name differ, the name takes the last of them. */
export const FUNCTION_CLASS_RANK: readonly FunctionClass[] = [
  "safe",
  "sleep-and-locks",
  "settings",
  "notify",
  "writes",
  "catalog-values",
  "query-text",
  "large-objects",
  "admin",
  "server-files",
  "executes-sql",
];

/** How the engine treats a class: allowed, refused on read-only connections only, or refused by default. */
export type ClassVerdict =
  | { kind: "allow" }
  | { kind: "read-only"; why: string }
  | { kind: "refuse"; rule: string; why: string };

export const CLASS_VERDICTS: Readonly<Record<FunctionClass, ClassVerdict>> = {
  safe: { kind: "allow" },
  // Timing and lock channels exist without these (a heavy expression sleeps too), statement_timeout
  // bounds them, and advisory locks hold only application-chosen keys: classified, not refused.
  "sleep-and-locks": { kind: "allow" },
  // set_config() is SET by another name: facts.settings judges it with the setting rules.
  settings: { kind: "allow" },
  notify: { kind: "read-only", why: "sends a notification (NOTIFY by another name)" },
  writes: { kind: "read-only", why: "changes stored state (a sequence, an index)" },
  "catalog-values": {
    kind: "refuse",
    rule: "sluice:catalog-values",
    why: "returns real column values kept by the planner, which would get around masking",
  },
  "query-text": {
    kind: "refuse",
    rule: "sluice:catalog-values",
    why: "shows other sessions' query text, which would get around masking",
  },
  "large-objects": {
    kind: "refuse",
    rule: "sluice:server-files",
    why: "reads or writes large objects, stored outside any table where table rules and masking cannot follow",
  },
  admin: {
    kind: "refuse",
    rule: "sluice:server-files",
    why: "controls the server (backends, configuration, replication, backups, WAL, statistics)",
  },
  "server-files": {
    kind: "refuse",
    rule: "sluice:server-files",
    why: "reaches the database server's files or configuration",
  },
  "executes-sql": {
    kind: "refuse",
    rule: "sluice:hidden-sql",
    why: "runs SQL given as text or a cursor, or reads whole tables by name, which the gateway cannot judge",
  },
};

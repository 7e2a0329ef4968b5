import { createHmac } from "node:crypto";
import { upstreamCatalogSnapshot } from "@sluice/db/upstream/catalog-snapshot";
import type { CatalogColumn, StructureRelation } from "@sluice/db/upstream/column-catalog";
import { createKeptCatalogReader } from "@sluice/db/upstream/kept-catalog-reader";
import type { DetectorRule } from "@sluice/masking/content-masker";
import { type ColumnOrigins, UNPROVABLE_RULE } from "@sluice/masking/row-masker";
import { matchesSelector } from "@sluice/masking/selector";
import type { MaskRule } from "@sluice/masking/strategies";
import type { CatalogSnapshot, ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import { contentRules } from "@sluice/policy/content-rules";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { Identity } from "@sluice/policy/verdict";
import { MaskingCatalogUnread } from "@sluice/session/connection-failures";
import type { ConnectionRecord } from "@sluice/session/directory";
import type { SessionMasking } from "@sluice/session/result-masker";
import type { PolicyStore } from "../policy/policy-store";
import { createCompiledCatalogs } from "./compiled-catalogs";

/** A table created after the catalog was read is masked as unprovable until the next read. */
export const CATALOG_MAX_AGE_MS = 30_000;

type CachedCatalog = {
  columns: CatalogColumn[];
  /** System relations that describe structure only: their columns are never masked by origin. */
  structure: StructureRelation[];
  /** pg_catalog's relations by bare name, when the read listed them (see ColumnCatalog). */
  systemNames?: string[];
  /** Inheritance families by table OID: a rule on one member's column masks it in all. */
  families: number[][];
  /**
   * When the catalog was last seen to be this: a later read that finds its fingerprint unchanged
   * moves it (and the snapshot's) forward in place, so what is compiled or cached under it holds.
   */
  readAt: number;
  fingerprint: string;
  snapshot: CatalogSnapshot;
};

/**
 * Masking for sessions: which result columns hold sensitive values, by their origin in the
 * upstream's catalog and the connection's rules (minus the agent's exemptions).
 */
export function createMaskingService(policies: PolicyStore, secretKey: Buffer, log: (line: string) => void) {
  const catalogs = new Map<string, Promise<CachedCatalog>>();
  /** The newest catalog read per connection: sessions opened before it follow it too. */
  const latest = new Map<string, CachedCatalog>();
  /** When the read under way per connection began. */
  const reading = new Map<string, number>();
  const hashKey = createHmac("sha256", secretKey).update("sluice-masking-hash").digest();
  const reader = createKeptCatalogReader(log);
  const compiledUnder = createCompiledCatalogs(compileCatalog);

  const catalogFor = (
    connection: ConnectionRecord,
    isStale = false,
    startedAfter = 0,
  ): Promise<CachedCatalog> => {
    const id = connection.connectionId;
    const cached = catalogs.get(id);
    // A read already under way is as fresh as a new one would be, unless it began too early.
    const underWaySince = reading.get(id);
    if (cached && (!isStale || (underWaySince !== undefined && underWaySince >= startedAfter))) return cached;
    const startedAt = Date.now();
    reading.set(id, startedAt);
    const previous = latest.get(id);
    const loading = reader.read(id, connection, previous?.fingerprint ?? null).then((read) => {
      if (read.kind === "unchanged" && previous) {
        // Nothing committed since changed the catalog: the last read is as true as a new one.
        if (previous.readAt < startedAt) {
          previous.readAt = startedAt;
          previous.snapshot.readAt = startedAt;
        }
        return previous;
      }
      if (read.kind === "unchanged") throw new Error("the catalog read found no earlier read to keep");
      const catalog = {
        columns: read.catalog.columns,
        structure: read.catalog.structure,
        ...(read.catalog.systemNames ? { systemNames: read.catalog.systemNames } : {}),
        families: read.catalog.families,
        readAt: startedAt,
        fingerprint: read.fingerprint,
        snapshot: upstreamCatalogSnapshot(read.catalog, startedAt),
      };
      // Two reads may overlap: the one begun later shows more.
      if ((latest.get(id)?.readAt ?? Number.NEGATIVE_INFINITY) <= startedAt) latest.set(id, catalog);
      return catalog;
    });
    catalogs.set(id, loading);
    const settled = () => {
      if (reading.get(id) === startedAt) reading.delete(id);
    };
    loading.then(settled, () => {
      settled();
      if (catalogs.get(id) === loading) catalogs.delete(id);
    });
    return loading;
  };

  return {
    /** Closes the kept catalog connections. */
    close: () => reader.close(),
    /** The catalog for the decision point: lineage and column rules resolve against it. */
    catalogAccess(connection: ConnectionRecord): ColumnCatalogAccess {
      return {
        current: () => latest.get(connection.connectionId)?.snapshot ?? null,
        refresh: (options) =>
          catalogFor(connection, true, options?.startedAfter).then((catalog) => catalog.snapshot),
      };
    },
    /**
     * The session's masking. Its rules are the connection's current ones, read again whenever the
     * policy changes (an admin's new rule or a withdrawn exemption applies to the next result of
     * sessions already open, as every other rule does); a session that has none yet still gets a
     * masker, so a rule added later has somewhere to act.
     */
    async openSession(identity: Identity, connection: ConnectionRecord): Promise<SessionMasking> {
      const id = connection.connectionId;
      const rulesFor = (masking: readonly MaskingRuleDef[] | undefined): SessionRules => {
        const applicable = (masking ?? []).filter(
          (rule) => !rule.exemptGroups.some((group) => identity.groups.includes(group)),
        );
        return {
          masking,
          rules: applicable.filter((rule) => rule.selector !== null),
          detectors: contentRules(applicable, log),
        };
      };
      let state = rulesFor(policies.get(id)?.masking);
      if (state.rules.length > 0) {
        try {
          const catalog = await catalogFor(connection);
          if (Date.now() - catalog.readAt > CATALOG_MAX_AGE_MS) await catalogFor(connection, true);
        } catch (error) {
          // The why stays in the log: the client learns only that the catalog could not be read.
          log(`masking catalog read failed for connection ${connection.name}: ${String(error)}`);
          throw new MaskingCatalogUnread(connection.name);
        }
      }
      let compiled: ReturnType<typeof compileCatalog> | null = null;
      const rulesNow = (): SessionRules => {
        const masking = policies.get(id)?.masking;
        if (masking !== state.masking) {
          state = rulesFor(masking);
          compiled = null;
        }
        return state;
      };
      // The newest catalog read under the current rules (a relation created since, such as this
      // session's temp table, replaces the old); null while column rules apply and no read has
      // finished yet (rules added mid-session): every origin is then unprovable until one has.
      const current = () => {
        const { masking, rules } = rulesNow();
        const newest = latest.get(id);
        if (!newest) return null;
        if (!compiled || newest !== compiled.catalog) compiled = compiledUnder(newest, masking ?? [], rules);
        return compiled;
      };
      // The compiled catalog under which a relation it does not know was asked about (a read is on
      // its way): until the next one, no plan is reused, so each result asks again, as before.
      let unknownMetUnder: object | null = null;
      const unknownMet = () => {
        unknownMetUnder = compiled;
        void catalogFor(connection, true).catch((error: unknown) =>
          log(`masking catalog refresh failed: ${String(error)}`),
        );
        return UNPROVABLE_RULE;
      };
      const hasColumnRules = () => rulesNow().rules.length > 0;
      const origins: ColumnOrigins = {
        ruleFor: (tableOid, attnum) => {
          if (!hasColumnRules()) return null;
          const known = current();
          if (!known) return unknownMet();
          const { knownTables, maskedTables, byOrigin, structureOids } = known;
          if (structureOids.has(tableOid)) return null;
          if (!knownTables.has(tableOid)) return unknownMet();
          // Attribute 0 is the whole row (`SELECT c FROM customers c`): sensitive if any column is.
          if (attnum <= 0) return maskedTables.has(tableOid) ? UNPROVABLE_RULE : null;
          // The read lists every user column of a known table: one it does not list was added since
          // (by another connection: this session's own DDL is caught up before it runs), and may be
          // computed from a masked column, so it is masked until the next read shows what it is.
          const rule = byOrigin.get(`${tableOid}:${attnum}`);
          return rule === undefined ? unknownMet() : rule;
        },
      };
      return {
        origins,
        hashKey,
        get detectors() {
          return rulesNow().detectors;
        },
        get hasColumnRules() {
          return hasColumnRules();
        },
        isMaskedTable: (candidates) => {
          if (!hasColumnRules()) return false;
          const known = current();
          return known ? candidates.some((name) => known.tableNames.has(name)) : true;
        },
        isOpaqueRelation: (candidates) => {
          // Content rules only (or none): no column is sensitive by origin, nothing to trace.
          if (!hasColumnRules()) return false;
          const known = current();
          if (!known) {
            unknownMet();
            return true;
          }
          const { knownNames, viewNames, structureNames } = known;
          if (candidates.some((name) => viewNames.has(name))) return true;
          // A structure catalog's views (information_schema's) rename only structure, never values.
          if (candidates.some((name) => structureNames.has(name))) return false;
          // Created after the catalog was read: unknown counts as opaque until the next read.
          const isKnown = candidates.some((name) => knownNames.has(name) || known.isSystemName(name));
          if (!isKnown) {
            unknownMetUnder = compiled;
            void catalogFor(connection, true).catch(() => {});
          }
          return !isKnown;
        },
        planKey: () => {
          // Nothing here depends on a catalog without column rules: a plan holds while the rules do.
          if (!hasColumnRules()) return state;
          const compiledNow = current();
          return compiledNow === null || unknownMetUnder === compiledNow ? null : compiledNow;
        },
      };
    },
  };
}

/** A session's rules as the connection's policy has them now, minus the agent's exemptions. */
type SessionRules = {
  /** The policy's rule list they were read from: another list is another policy version. */
  masking: readonly MaskingRuleDef[] | undefined;
  rules: MaskingRuleDef[];
  detectors: DetectorRule[];
};

type MaskingRuleWithSelector = MaskingRuleDef & { selector: string };

/** One catalog read under one session's rules: rules by column origin, and relations by name. */
function compileCatalog(catalog: CachedCatalog, rules: readonly MaskingRuleDef[]) {
  const byOrigin = new Map<string, MaskRule | null>();
  const knownTables = new Set<number>();
  const maskedTables = new Set<number>();
  const relatives = relativesByOid(catalog);
  for (const column of catalog.columns) {
    knownTables.add(column.tableOid);
    // The column itself, or the same-named column of a relation it inherits from or is inherited by.
    const family = [
      column,
      ...(relatives.get(column.tableOid) ?? []).map((r) => ({ ...r, column: column.column })),
    ];
    const rule = (rules as MaskingRuleWithSelector[]).find((candidate) =>
      family.some((member) => matchesSelector(candidate.selector, member)),
    );
    if (rule) maskedTables.add(column.tableOid);
    // A view's column may be any table's under another name: unless a rule names it, it is unprovable.
    if (column.isView && !rule) maskedTables.add(column.tableOid);
    byOrigin.set(
      `${column.tableOid}:${column.attnum}`,
      rule
        ? {
            name: rule.name,
            strategy: rule.strategy,
            ...(rule.keepLast ? { keepLast: rule.keepLast } : {}),
          }
        : column.isView
          ? UNPROVABLE_RULE
          : null,
    );
  }
  // A generated column is computed from other columns of its row: one computed from a masked
  // column (or by code the gateway cannot read) is a copy of it under another name.
  for (const column of catalog.columns) {
    const from = column.computedFrom;
    if (from === undefined || byOrigin.get(`${column.tableOid}:${column.attnum}`)) continue;
    const readsMasked =
      from === "opaque" || from.some((attnum) => byOrigin.get(`${column.tableOid}:${attnum}`));
    if (!readsMasked) continue;
    byOrigin.set(`${column.tableOid}:${column.attnum}`, UNPROVABLE_RULE);
    maskedTables.add(column.tableOid);
  }
  const knownNames = new Set(catalog.columns.flatMap(namesOf));
  const viewNames = new Set(catalog.columns.filter((c) => c.isView).flatMap(namesOf));
  const tableNames = new Set(catalog.columns.filter((c) => maskedTables.has(c.tableOid)).flatMap(namesOf));
  const structureOids = new Set(catalog.structure.map((relation) => relation.oid));
  const structureNames = new Set(catalog.structure.map((relation) => `${relation.schema}.${relation.name}`));
  // PostgreSQL reserves the pg_ prefix for schemas only: `public.pg_x` may be a fresh user view, so a
  // bare pg_ name is pg_catalog's only when the read found it there.
  const systemNames = catalog.systemNames
    ? new Set(catalog.systemNames.map((name) => `pg_catalog.${name}`))
    : null;
  const isSystemName = (name: string) =>
    systemNames ? systemNames.has(name) : name.startsWith("pg_catalog.pg_");
  return {
    isSystemName,
    catalog,
    byOrigin,
    knownTables,
    maskedTables,
    knownNames,
    viewNames,
    tableNames,
    structureOids,
    structureNames,
  };
}

/** Each table OID's inheritance relatives (parents, children, partitions), named. */
function relativesByOid(catalog: CachedCatalog): Map<number, { schema: string; table: string }[]> {
  const names = new Map<number, { schema: string; table: string }>();
  for (const column of catalog.columns)
    names.set(column.tableOid, { schema: column.schema, table: column.table });
  const out = new Map<number, { schema: string; table: string }[]>();
  for (const family of catalog.families) {
    for (const oid of family) {
      const others = family.filter((other) => other !== oid).map((other) => names.get(other));
      out.set(
        oid,
        others.filter((name) => name !== undefined),
      );
    }
  }
  return out;
}

/** How a statement may name a relation: `schema.table`, and `pg_temp.table` for a temporary one. */
function namesOf(column: CatalogColumn): string[] {
  const name = `${column.schema}.${column.table}`;
  return /^pg_temp_\d+$/.test(column.schema) ? [name, `pg_temp.${column.table}`] : [name];
}

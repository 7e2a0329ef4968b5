import { createHmac } from "node:crypto";
import { type ColumnOrigins, UNPROVABLE_RULE } from "@sluice/masking/row-masker";
import { matchesSelector } from "@sluice/masking/selector";
import type { MaskRule } from "@sluice/masking/strategies";
import type { Identity } from "@sluice/policy/verdict";
import type { ConnectionRecord } from "@sluice/session/directory";
import type { SessionMasking } from "@sluice/transport/client-connection";
import type { PolicyStore } from "../policy/policy-store";
import { type CatalogColumn, readColumnCatalog } from "./column-catalog";

/** A table created after the catalog was read is masked as unprovable until the next read. */
export const CATALOG_MAX_AGE_MS = 30_000;

type CachedCatalog = { columns: CatalogColumn[]; readAt: number };

/**
 * Masking for sessions: which result columns hold sensitive values, by their origin in the
 * upstream's catalog and the connection's rules (minus the agent's exemptions).
 */
export function createMaskingService(policies: PolicyStore, secretKey: Buffer, log: (line: string) => void) {
  const catalogs = new Map<string, Promise<CachedCatalog>>();
  const hashKey = createHmac("sha256", secretKey).update("sluice-masking-hash").digest();

  const catalogFor = (connection: ConnectionRecord, isStale = false): Promise<CachedCatalog> => {
    const cached = catalogs.get(connection.connectionId);
    if (cached && !isStale) return cached;
    const loading = readColumnCatalog(connection).then((columns) => ({ columns, readAt: Date.now() }));
    catalogs.set(connection.connectionId, loading);
    loading.catch(() => catalogs.delete(connection.connectionId));
    return loading;
  };

  return {
    async openSession(identity: Identity, connection: ConnectionRecord): Promise<SessionMasking | null> {
      const rules = (policies.get(connection.connectionId)?.masking ?? []).filter(
        (rule) =>
          rule.selector !== null && !rule.exemptGroups.some((group) => identity.groups.includes(group)),
      );
      if (rules.length === 0) return null;
      let catalog = await catalogFor(connection);
      if (Date.now() - catalog.readAt > CATALOG_MAX_AGE_MS) catalog = await catalogFor(connection, true);
      const byOrigin = new Map<string, MaskRule | null>();
      const knownTables = new Set<number>();
      const maskedTables = new Set<number>();
      for (const column of catalog.columns) {
        knownTables.add(column.tableOid);
        const rule = rules.find((candidate) => matchesSelector(candidate.selector as string, column));
        if (rule) maskedTables.add(column.tableOid);
        byOrigin.set(
          `${column.tableOid}:${column.attnum}`,
          rule
            ? {
                name: rule.name,
                strategy: rule.strategy,
                ...(rule.keepLast ? { keepLast: rule.keepLast } : {}),
              }
            : null,
        );
      }
      const origins: ColumnOrigins = {
        ruleFor: (tableOid, attnum) => {
          if (!knownTables.has(tableOid)) {
            void catalogFor(connection, true).catch((error: unknown) =>
              log(`masking catalog refresh failed: ${String(error)}`),
            );
            return UNPROVABLE_RULE;
          }
          // Attribute 0 is the whole row (`SELECT c FROM customers c`): sensitive if any column is.
          if (attnum <= 0) return maskedTables.has(tableOid) ? UNPROVABLE_RULE : null;
          return byOrigin.get(`${tableOid}:${attnum}`) ?? null;
        },
      };
      const knownNames = new Set(catalog.columns.map((column) => `${column.schema}.${column.table}`));
      const viewNames = new Set(catalog.columns.filter((c) => c.isView).map((c) => `${c.schema}.${c.table}`));
      const tableNames = new Set(
        catalog.columns.filter((c) => maskedTables.has(c.tableOid)).map((c) => `${c.schema}.${c.table}`),
      );
      return {
        origins,
        hashKey,
        isMaskedTable: (candidates) => candidates.some((name) => tableNames.has(name)),
        isOpaqueRelation: (candidates) => {
          if (candidates.some((name) => viewNames.has(name))) return true;
          // Created after the catalog was read: unknown counts as opaque until the next read.
          const isKnown = candidates.some(
            (name) => knownNames.has(name) || name.startsWith("pg_catalog.pg_"),
          );
          if (!isKnown) void catalogFor(connection, true).catch(() => {});
          return !isKnown;
        },
      };
    },
  };
}

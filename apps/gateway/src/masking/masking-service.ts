import { createHmac } from "node:crypto";
import type { DetectorRule } from "@sluice/masking/content-masker";
import { DETECTOR_NAMES, type DetectorName } from "@sluice/masking/detectors";
import { type ColumnOrigins, UNPROVABLE_RULE } from "@sluice/masking/row-masker";
import { matchesSelector } from "@sluice/masking/selector";
import type { MaskRule } from "@sluice/masking/strategies";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { Identity } from "@sluice/policy/verdict";
import type { ConnectionRecord } from "@sluice/session/directory";
import type { SessionMasking } from "@sluice/session/result-masker";
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
      const applicable = (policies.get(connection.connectionId)?.masking ?? []).filter(
        (rule) => !rule.exemptGroups.some((group) => identity.groups.includes(group)),
      );
      const rules = applicable.filter((rule) => rule.selector !== null);
      const detectors = contentRules(applicable, log);
      if (rules.length === 0 && detectors.length === 0) return null;
      if (rules.length === 0) {
        // Content rules only: no column is sensitive by origin; text is searched as it passes.
        return {
          origins: { ruleFor: () => null },
          hashKey,
          detectors,
          hasColumnRules: false,
          isMaskedTable: () => false,
          isOpaqueRelation: () => false,
        };
      }
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
        detectors,
        hasColumnRules: true,
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

/** The detector rules that apply; one naming a detector Sluice does not have is reported and skipped. */
function contentRules(rules: readonly MaskingRuleDef[], log: (line: string) => void): DetectorRule[] {
  const out: DetectorRule[] = [];
  for (const rule of rules) {
    if (rule.detector === null) continue;
    if (!(DETECTOR_NAMES as readonly string[]).includes(rule.detector)) {
      log(`masking rule "${rule.name}" names an unknown detector "${rule.detector}"; it masks nothing`);
      continue;
    }
    out.push({
      name: rule.name,
      detector: rule.detector as DetectorName,
      strategy: rule.strategy,
      ...(rule.keepLast ? { keepLast: rule.keepLast } : {}),
    });
  }
  return out;
}

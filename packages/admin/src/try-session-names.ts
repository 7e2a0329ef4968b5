import { pgClientConfig, type UpstreamLogin } from "@sluice/db/upstream/pg-client-config";
import { readRelationHolders } from "@sluice/db/upstream/relation-holders";
import type { RelationLookup } from "@sluice/policy/search-path";
import pg from "pg";
import { TRY_CATALOG_TIMEOUT_MS } from "./try-catalog";

/**
 * Where a try's unqualified names resolve, learnt as a gateway session learns it: the search_path
 * the upstream gives a fresh login of the brokered role (its role and database defaults, which
 * PostgreSQL 18 reports at login), and, where judging every schema on it would refuse, where the
 * server really finds each name. One side connection per try, opened when first asked and closed
 * by `close`; its path is pinned to pg_catalog once the starting path is read.
 */
export function createTryNames(brokeredLogin: () => UpstreamLogin) {
  let client: Promise<pg.Client> | null = null;
  let startingPath: string | null = null;

  const connected = (): Promise<pg.Client> => {
    client ??= (async () => {
      const opened = new pg.Client({
        ...pgClientConfig(brokeredLogin(), "sluice-try-names"),
        connectionTimeoutMillis: TRY_CATALOG_TIMEOUT_MS,
        query_timeout: TRY_CATALOG_TIMEOUT_MS,
      });
      opened.on("error", () => {});
      await opened.connect();
      const { rows } = await opened.query<{ path: string }>(
        "SELECT pg_catalog.current_setting('search_path') AS path",
      );
      startingPath = rows[0]?.path ?? null;
      await opened.query("SET search_path = pg_catalog");
      return opened;
    })();
    return client;
  };

  const lookupRelations: RelationLookup = async (names) => readRelationHolders(await connected(), names);

  return {
    lookupRelations,
    /** The path a session of the connection starts with; null when the upstream could not say. */
    startingPath: async (): Promise<string | null> => {
      try {
        await connected();
      } catch {
        // Unread, names keep every candidate the gateway's default path gives: the catalog
        // problem the try box reports covers an upstream it cannot reach.
      }
      return startingPath;
    },
    close: async (): Promise<void> => {
      const opened = await client?.catch(() => null);
      await opened?.end().catch(() => {});
    },
  };
}

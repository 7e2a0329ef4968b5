import { upstreamCatalogSnapshot } from "@sluice/db/upstream/catalog-snapshot";
import { readColumnCatalog } from "@sluice/db/upstream/column-catalog";
import type { UpstreamLogin } from "@sluice/db/upstream/pg-client-config";
import type { CatalogSnapshot, ColumnCatalogAccess } from "@sluice/policy/column-catalog";

/** A person waits on the try box: an upstream slower than this is reported, not waited for. */
export const TRY_CATALOG_TIMEOUT_MS = 5_000;

/**
 * The upstream's catalog for one try, read as the gateway reads it (same reader, same brokered
 * login, same snapshot) and only when the decision point asks, as a gateway session does. A read
 * that fails leaves the decision without it, which fails closed as the gateway would; `problem`
 * then says why, so the console can say the verdict is about its own failed read. A try reads it
 * once: later asks get the same snapshot, or the same failure.
 */
export function createTryCatalog(brokeredLogin: () => UpstreamLogin) {
  let snapshot: CatalogSnapshot | null = null;
  let problem: string | null = null;
  // One read per try, failed or not: a person waits on it, and a second attempt would only wait again.
  let reading: Promise<CatalogSnapshot> | null = null;
  const read = async (): Promise<CatalogSnapshot> => {
    const readAt = Date.now();
    let login: UpstreamLogin | null = null;
    try {
      login = brokeredLogin();
      snapshot = upstreamCatalogSnapshot(
        await readColumnCatalog(login, { timeoutMs: TRY_CATALOG_TIMEOUT_MS }),
        readAt,
      );
      problem = null;
      return snapshot;
    } catch (error) {
      problem = withoutSecret(
        error instanceof Error ? error.message : String(error),
        login?.password ?? null,
      );
      throw error;
    }
  };
  const access: ColumnCatalogAccess = {
    current: () => snapshot,
    refresh: () => {
      reading ??= read();
      return reading;
    },
  };
  return { access, problem: () => problem };
}

/** Driver messages name hosts and users, not passwords; this keeps it so whatever the driver says. */
function withoutSecret(message: string, password: string | null): string {
  return password ? message.split(password).join("***") : message;
}

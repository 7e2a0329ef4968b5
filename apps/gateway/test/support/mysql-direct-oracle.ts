import type { MySqlHarness } from "./mysql-harness";

/**
 * Whether `sql`, run straight against MariaDB as the agent's login inside a transaction that is
 * rolled back, changes what `read` returns: the oracle that a write the gateway refuses would
 * really have changed the protected rows.
 */
export async function changesDirectly(harness: MySqlHarness, read: string, sql: string): Promise<boolean> {
  const direct = await harness.connectDirect();
  try {
    const before = JSON.stringify((await direct.query(read))[0]);
    await direct.query("START TRANSACTION");
    await direct.query(sql);
    return JSON.stringify((await direct.query(read))[0]) !== before;
  } finally {
    await direct.query("ROLLBACK");
    await direct.end();
  }
}

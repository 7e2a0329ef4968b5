import type pg from "pg";
import type { PrismaClient } from "./generated/prisma/client";

/**
 * A statement the gateway runs on every login, by a name unique to its text: prepared once per
 * store connection, then only bound and executed.
 */
export type StoreStatement = { name: string; text: string };

/** Runs hot statements straight on the store's pool, beside Prisma's queries on the same pool. */
export type StoreStatements = {
  query<Row>(statement: StoreStatement, values: unknown[]): Promise<Row[]>;
};

type Registered = { pool: pg.Pool; onQuery?: (sql: string) => void };

const registered = new WeakMap<PrismaClient, Registered>();

/** SQLSTATE invalid_sql_statement_name: the server holds no prepared statement by the name bound. */
const NO_SUCH_PREPARED_STATEMENT = "26000";

/** Called by createPrisma: the pool its adapter uses, and who is told every statement. */
export function registerStorePool(
  prisma: PrismaClient,
  pool: pg.Pool,
  onQuery?: (sql: string) => void,
): void {
  registered.set(prisma, onQuery ? { pool, onQuery } : { pool });
}

/**
 * The statements a login waits on (its lookup, its session row) for this client. Through Prisma,
 * even a raw statement passes its query interpreter and its adapter's conversions: measured at
 * about twice a prepared statement's CPU on pg alone (bench/session-insert-cost.ts), and every
 * connect pays it twice. A client createPrisma did not make (a transaction's, a test's) runs them
 * through `$queryRawUnsafe`, with the same rows.
 */
export function storeStatementsOf(prisma: PrismaClient): StoreStatements {
  const store = registered.get(prisma);
  const throughPrisma = <Row>(statement: StoreStatement, values: unknown[]) =>
    prisma.$queryRawUnsafe<Row[]>(statement.text, ...values);
  if (!store) return { query: throughPrisma };
  const { pool, onQuery } = store;
  return {
    async query<Row>(statement: StoreStatement, values: unknown[]): Promise<Row[]> {
      // `$disconnect` ended the pool; a client used after it reconnects through Prisma, as before.
      if (pool.ended) return throughPrisma<Row>(statement, values);
      const client = await pool.connect();
      let failure: Error | undefined;
      // A checked-out client's socket error has no other listener: unheard, it would end the process.
      const onError = (error: Error) => {
        failure = error;
      };
      client.on("error", onError);
      try {
        return await queryPrepared<Row>(client, statement, values, onQuery);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.removeListener("error", onError);
        // As pool.query does: a client that failed is closed, never handed to the next caller.
        client.release(failure);
      }
    },
  };
}

/**
 * Runs the statement by its name on one client, and prepares it again once when the server no
 * longer holds it. pg remembers per connection which names it prepared and then sends only Bind;
 * the server forgets them on DEALLOCATE or DISCARD ALL (a store pooler's reset, or any statement
 * Prisma or an operator runs on that connection), and every login on it would then be refused. The
 * Bind is what failed, so the statement never ran: running it again cannot run it twice.
 */
async function queryPrepared<Row>(
  client: pg.PoolClient,
  statement: StoreStatement,
  values: unknown[],
  onQuery: ((sql: string) => void) | undefined,
): Promise<Row[]> {
  const config = { name: statement.name, text: statement.text, values };
  onQuery?.(statement.text);
  try {
    return (await client.query(config)).rows as Row[];
  } catch (error) {
    if ((error as { code?: unknown }).code !== NO_SUCH_PREPARED_STATEMENT) throw error;
    forgetPrepared(client, statement.name);
    onQuery?.(statement.text);
    return (await client.query(config)).rows as Row[];
  }
}

/**
 * Drops pg's note that `name` is prepared on this connection, so its next use sends Parse again.
 * pg keeps it in `connection.parsedStatements` (pg 8) and offers no call for it; should that ever
 * move, the second try fails as the first did and the error reaches the caller (the login is
 * refused as when the store is away), which the store-statements test catches.
 */
function forgetPrepared(client: pg.PoolClient, name: string): void {
  const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } })
    .connection?.parsedStatements;
  if (parsed) delete parsed[name];
}

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
      onQuery?.(statement.text);
      const result = await pool.query({ name: statement.name, text: statement.text, values });
      return result.rows as Row[];
    },
  };
}

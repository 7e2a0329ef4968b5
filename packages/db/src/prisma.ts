import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Prisma } from "./generated/prisma/client";
import { PrismaClient } from "./generated/prisma/client";
import { registerStorePool } from "./store-statements";

export type { PrismaClient } from "./generated/prisma/client";
/** What seed helpers and domain functions accept: the client, or a transaction's client. */
export type DbClient = PrismaClient | Prisma.TransactionClient;
export * as Db from "./generated/prisma/client";

const clients = new Map<string, PrismaClient>();

/** One client per database URL per process (Next.js hot reload would otherwise leak pools). */
export function getPrisma(databaseUrl: string): PrismaClient {
  const globalCache = globalThis as { __sluicePrisma?: Map<string, PrismaClient> };
  globalCache.__sluicePrisma ??= clients;
  let client = globalCache.__sluicePrisma.get(databaseUrl);
  if (!client) {
    client = createPrisma(databaseUrl);
    globalCache.__sluicePrisma.set(databaseUrl, client);
  }
  return client;
}

export type CreatePrismaOptions = {
  /** Told every statement the client sends (tests that count a code path's store round trips). */
  onQuery?: (sql: string) => void;
};

/**
 * A client over a pg pool of its own, which `storeStatementsOf` (store-statements.ts) shares for
 * the statements a login waits on; `$disconnect` ends the pool.
 */
export function createPrisma(databaseUrl: string, options: CreatePrismaOptions = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // An idle connection the store drops is the next statement's error; unheard, before Prisma's
  // first query attaches its own listener, it would end the process.
  pool.on("error", () => {});
  // The same pg at run time; the adapter's @types/pg is a newer copy than ours.
  const adapterPool = pool as unknown as ConstructorParameters<typeof PrismaPg>[0];
  const adapter = new PrismaPg(adapterPool, { disposeExternalPool: true });
  const { onQuery } = options;
  if (!onQuery) {
    const client = new PrismaClient({ adapter });
    registerStorePool(client, pool);
    return client;
  }
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => onQuery(event.query));
  registerStorePool(client, pool, onQuery);
  return client;
}

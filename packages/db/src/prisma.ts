import { PrismaPg } from "@prisma/adapter-pg";
import type { Prisma } from "./generated/prisma/client";
import { PrismaClient } from "./generated/prisma/client";

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

export function createPrisma(databaseUrl: string, options: CreatePrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl });
  const { onQuery } = options;
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => onQuery(event.query));
  return client;
}

import { randomBytes } from "node:crypto";
import { migrate } from "@sluice/db/migrations";
import { createPrisma, type PrismaClient } from "@sluice/db/prisma";
import pg from "pg";
import { inject } from "vitest";
import "./provided-context";

/** A fresh, empty database on the integration server; dropped by the returned `drop`. */
export async function createTestDatabase(
  prefix = "t",
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const adminUrl = inject("adminUrl");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A migrated Sluice store in a fresh database, with a Prisma client. */
export async function createTestStore(): Promise<{
  url: string;
  prisma: PrismaClient;
  drop: () => Promise<void>;
}> {
  const database = await createTestDatabase("store");
  await migrate({ databaseUrl: database.url });
  const prisma = createPrisma(database.url);
  return {
    url: database.url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await database.drop();
    },
  };
}

export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

import path from "node:path";
import { withDatabase } from "@sluice/db/demo/demo-shop";
import { startEmbeddedPostgres } from "@sluice/db/embedded-postgres";
import { migrate } from "@sluice/db/migrations";
import pg from "pg";
import type { Env } from "../env";

export type Store = {
  /** Sluice's own database. */
  databaseUrl: string;
  /** A URL with rights to create the demo database and role. */
  adminUrl: string;
  isEmbedded: boolean;
  stop: () => Promise<void>;
};

const STORE_DATABASE = "sluice";

/** Opens the store (embedded unless DATABASE_URL is set) and applies pending migrations. */
export async function openStore(env: Env, log: (line: string) => void): Promise<Store> {
  if (env.DATABASE_URL) {
    await migrate({ databaseUrl: env.DATABASE_URL, onApplied: (name) => log(`applied migration ${name}`) });
    return {
      databaseUrl: env.DATABASE_URL,
      adminUrl: env.DATABASE_URL,
      isEmbedded: false,
      stop: async () => {},
    };
  }
  const server = await startEmbeddedPostgres({
    dataDir: path.join(env.SLUICE_HOME, "pg"),
    port: env.SLUICE_EMBEDDED_PG_PORT,
    portSetting: "SLUICE_EMBEDDED_PG_PORT",
    onLog: () => {},
  });
  try {
    await ensureDatabase(server.url, STORE_DATABASE);
    const databaseUrl = withDatabase(server.url, STORE_DATABASE);
    await migrate({ databaseUrl, onApplied: (name) => log(`applied migration ${name}`) });
    return { databaseUrl, adminUrl: server.url, isEmbedded: true, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

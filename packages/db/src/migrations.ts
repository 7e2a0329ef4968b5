import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export type Migration = { name: string; file: string; sql: string; checksum: string };
export type MigrateOptions = {
  databaseUrl: string;
  /** Directory holding `<timestamp>_<name>/migration.sql`; defaults to the repository's. */
  migrationsDir?: string;
  onApplied?: (name: string) => void;
};
export type MigrateResult = { applied: string[]; alreadyApplied: string[] };

/** The repository's `prisma/migrations`, found relative to this file. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../../prisma/migrations");

/**
 * Prisma's own lock key (`pg_advisory_lock(72707369)` in the schema engine), so this runner and
 * `prisma migrate deploy` exclude each other as well as two Sluice processes starting together.
 */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** The table exactly as Prisma's schema engine creates it, so `prisma migrate status` agrees. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string,
  ) {
    super(message);
    this.name = "MigrationError";
  }
}

export function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, "migration.sql");
      const sql = readFileSync(file, "utf8");
      return { name, file, sql, checksum: sha256Hex(sql) };
    });
}

/**
 * Applies pending migrations, each in its own transaction, under Prisma's advisory lock. A failing
 * migration rolls back entirely and stops with its file name and the database's message; an
 * applied migration whose file changed since is refused rather than silently skipped.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const migrations = readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const applied = await readApplied(client);
    assertNoDrift(migrations, applied);
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      if (applied.has(migration.name)) {
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(client, migration);
      result.applied.push(migration.name);
      options.onApplied?.(migration.name);
    }
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

type AppliedRow = { migration_name: string; checksum: string; finished_at: Date | null };

async function readApplied(client: pg.Client): Promise<Map<string, AppliedRow>> {
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  return new Map(rows.map((row) => [row.migration_name, row]));
}

function assertNoDrift(migrations: Migration[], applied: Map<string, AppliedRow>): void {
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (!row) continue;
    if (row.finished_at === null) {
      throw new MigrationError(
        `migration ${migration.name} is recorded as started but not finished; resolve it before starting`,
        migration.name,
      );
    }
    if (row.checksum !== migration.checksum) {
      throw new MigrationError(
        `migration ${migration.file} was modified after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… on disk); add a new migration instead of editing an applied one`,
        migration.name,
      );
    }
  }
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      `migration ${migration.file} failed and was rolled back: ${reason}`,
      migration.name,
    );
  }
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from "@sluice/db/migrations";
import { afterEach, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";

const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

async function freshDatabase() {
  const database = await createTestDatabase("mig");
  drops.push(database.drop);
  return database;
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sluice-migrations-"));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe("migrate", () => {
  it("applies every migration to an empty database and records Prisma's checksums", async () => {
    const { url } = await freshDatabase();
    const result = await migrate({ databaseUrl: url });
    const expected = readMigrations();
    expect(result.applied).toEqual(expected.map((m) => m.name));
    const rows = await adminQuery(
      url,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.rows).toEqual(
      expected.map((m) => ({
        migration_name: m.name,
        checksum: m.checksum,
        finished: true,
        applied_steps_count: 1,
      })),
    );
    const tables = await adminQuery(
      url,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows[0].n).toBeGreaterThan(15);
  });

  it("is a no-op the second time", async () => {
    const { url } = await freshDatabase();
    await migrate({ databaseUrl: url });
    const second = await migrate({ databaseUrl: url });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBe(readMigrations().length);
  });

  it("refuses a migration that was modified after it was applied", async () => {
    const { url } = await freshDatabase();
    const dir = copyOfMigrations();
    await migrate({ databaseUrl: url, migrationsDir: dir });
    const first = readMigrations(dir)[0];
    if (!first) throw new Error("no migrations");
    writeFileSync(first.file, `${first.sql}\n-- edited\n`);
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /was modified after it was applied/,
    );
  });

  it("rolls back a failing migration entirely and names its file", async () => {
    const { url } = await freshDatabase();
    const dir = copyOfMigrations();
    const broken = path.join(dir, "29990101000000_broken");
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, "migration.sql"),
      `CREATE TABLE half_done (id int);\nALTER TABLE does_not_exist ADD COLUMN x int;\n`,
    );
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /29990101000000_broken\/migration\.sql failed and was rolled back: relation "does_not_exist" does not exist/,
    );
    const leftovers = await adminQuery(url, "SELECT to_regclass('public.half_done') AS t");
    expect(leftovers.rows[0].t).toBeNull();
    const recorded = await adminQuery(
      url,
      `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`,
    );
    expect(recorded.rows[0].n).toBe(0);
  });

  it("lets two processes start together without applying anything twice", async () => {
    const { url } = await freshDatabase();
    const [a, b] = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);
    expect([...a.applied, ...b.applied].sort()).toEqual(readMigrations().map((m) => m.name));
  });
});

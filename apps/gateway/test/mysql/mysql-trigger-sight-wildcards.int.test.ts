import { randomBytes } from "node:crypto";
import { readMySqlCatalog } from "@sluice/mysql-session/catalog-read";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * TRIGGER granted on databases by name patterns (`GRANT … ON \`app\_%\`.*`), read for the trigger
 * sight as MySQL would list triggers (the reader's own option) and checked against the real
 * MariaDB, which reads grant patterns as MySQL does with partial_revokes off: MariaDB withholds a
 * trigger's body (ACTION_STATEMENT NULL) from a login without TRIGGER on its table, so the body
 * shown is the server's own answer to whether the login holds TRIGGER there. Sluice must never
 * count a database the server does not (its triggers would go unseen on MySQL), and should count
 * those it does (every write there was refused before: only exact names counted).
 */
const maria = inject("mariadb");
const suffix = randomBytes(4).toString("hex");
/** `w…_1` matches `w…\_%`; `w…x1` matches `w…_1` read as a pattern, not `w…\_%`. */
const UNDERSCORE = `w${suffix}_1`;
const LETTER = `w${suffix}x1`;
const user = `wild_${suffix}`;
const password = randomBytes(12).toString("base64url");
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await mysql.createConnection({
    host: maria.host,
    port: maria.port,
    user: maria.user,
    password: maria.password,
    multipleStatements: true,
  });
  for (const database of [UNDERSCORE, LETTER]) {
    await admin.query(`
      CREATE DATABASE \`${database}\`;
      CREATE TABLE \`${database}\`.orders (id INT PRIMARY KEY, total INT);
      CREATE TRIGGER \`${database}\`.orders_zero BEFORE INSERT ON \`${database}\`.orders FOR EACH ROW SET NEW.total = 0;`);
  }
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
});

afterAll(async () => {
  await admin?.query(
    `DROP DATABASE \`${UNDERSCORE}\`; DROP DATABASE \`${LETTER}\`; DROP USER '${user}'@'%';`,
  );
  await admin?.end();
});

/** Per database: whether the sight (read as MySQL) sees its triggers, and whether MariaDB shows the body. */
async function sightAndServer(grants: string[]) {
  for (const grant of grants) await admin.query(`${grant} TO '${user}'@'%'`);
  const login = await mysql.createConnection({ host: maria.host, port: maria.port, user, password });
  try {
    const sight = (await readMySqlCatalog(login, { listsTriggersByPrivilege: true })).triggerSight;
    const [rows] = await login.query(
      "SELECT TRIGGER_SCHEMA AS `schema`, ACTION_STATEMENT IS NOT NULL AS shown FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (?, ?)",
      [UNDERSCORE, LETTER],
    );
    const shown = new Map(
      (rows as Array<{ schema: string; shown: number }>).map((row) => [row.schema, row.shown === 1]),
    );
    const of = (database: string) => ({
      seen: sight?.whyUnseen(`${database}.orders`, true) === null,
      serverShows: shown.get(database) ?? false,
    });
    return { underscore: of(UNDERSCORE), letter: of(LETTER) };
  } finally {
    await login.end();
    await admin.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM '${user}'@'%'`);
  }
}

const BOTH = { seen: true, serverShows: true };
const NEITHER = { seen: false, serverShows: false };
const pattern = (name: string) => `\`${name}\`.*`;

describe("TRIGGER on a database name pattern, as MySQL would list triggers", () => {
  it("`w…\\_%` names w…_1 and not w…x1", async () => {
    expect(
      await sightAndServer([
        `GRANT SELECT, INSERT, TRIGGER ON ${pattern(`w${suffix}\\_%`)}`,
        `GRANT SELECT ON ${pattern(LETTER)}`,
      ]),
    ).toEqual({ underscore: BOTH, letter: NEITHER });
  });

  it("`w…_1`, its underscore unescaped, names both", async () => {
    expect(await sightAndServer([`GRANT SELECT, TRIGGER ON ${pattern(`w${suffix}_1`)}`])).toEqual({
      underscore: BOTH,
      letter: BOTH,
    });
  });

  it("`w…%` names both", async () => {
    expect(await sightAndServer([`GRANT ALL PRIVILEGES ON ${pattern(`w${suffix}%`)}`])).toEqual({
      underscore: BOTH,
      letter: BOTH,
    });
  });

  it("a pattern in another case names neither (lower_case_table_names=0)", async () => {
    expect(
      await sightAndServer([
        `GRANT TRIGGER ON ${pattern(`W${suffix.toUpperCase()}%`)}`,
        `GRANT SELECT ON ${pattern(UNDERSCORE)}`,
        `GRANT SELECT ON ${pattern(LETTER)}`,
      ]),
    ).toEqual({ underscore: NEITHER, letter: NEITHER });
  });

  it("a more specific grant without TRIGGER is the one the server reads: not counted", async () => {
    expect(
      await sightAndServer([
        `GRANT SELECT, TRIGGER ON ${pattern(`w${suffix}%`)}`,
        `GRANT SELECT ON ${pattern(`w${suffix}\\_1`)}`,
      ]),
    ).toEqual({ underscore: NEITHER, letter: BOTH });
  });
});

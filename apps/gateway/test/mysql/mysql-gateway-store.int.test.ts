import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Harness, startHarness } from "../support/gateway-harness";

/**
 * The MySQL listener as `sluice start` composes it: agents, connections and policies from the
 * store, MYSQL connections only, the same CA as the Postgres listener.
 */
let harness: Harness;
let admin: mysql.Connection;
const suffix = randomBytes(4).toString("hex");
const database = `store_${suffix}`;
const user = `store_app_${suffix}`;
const password = randomBytes(12).toString("base64url");

beforeAll(async () => {
  const server = inject("mariadb");
  admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: true,
  });
  await admin.query(`
    CREATE DATABASE ${database};
    CREATE TABLE ${database}.items (id INT PRIMARY KEY, label VARCHAR(50));
    INSERT INTO ${database}.items VALUES (1, 'one');
    CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
    GRANT ALL ON ${database}.* TO '${user}'@'%';`);
  harness = await startHarness({ mysqlPort: 0 });
  await harness.addConnection({
    name: "maria",
    type: "MYSQL",
    host: server.host,
    port: server.port,
    database,
    username: user,
    password,
    tlsMode: "DISABLE",
  });
});
afterAll(async () => {
  await harness?.stop();
  await admin?.query(`DROP DATABASE ${database}; DROP USER '${user}'@'%'`);
  await admin?.end();
});

const connect = (connection: string) =>
  mysql.createConnection({
    host: "127.0.0.1",
    port: harness.gateway.mysqlPort as number,
    user: harness.agent.name,
    password: harness.token,
    database: connection,
    ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
  });

describe("the MySQL listener composed with the store", () => {
  it("serves a MYSQL connection with the agent's own token and the store's policy", async () => {
    const agent = await connect("maria");
    const [rows] = await agent.query("SELECT id, label FROM items");
    expect(rows).toEqual([{ id: 1, label: "one" }]);
    // The built-in defaults apply as on the Postgres path.
    await expect(agent.query("SELECT LOAD_FILE('/etc/passwd')")).rejects.toThrow(/reads a file/);
    await agent.end();
  });

  it("never lets a MySQL client reach a Postgres connection", async () => {
    await expect(connect(harness.connectionName)).rejects.toThrow(/may not use connection/);
  });
});

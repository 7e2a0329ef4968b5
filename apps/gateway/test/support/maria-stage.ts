import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { inject } from "vitest";
import type { Harness } from "./gateway-harness";

/**
 * A MariaDB database and login of one test file's own on the shared test server (names carry a
 * random suffix, so files run side by side), with an admin connection to seed and check it.
 */
export type MariaStage = {
  database: string;
  user: string;
  password: string;
  /** The server's admin login, multi-statement: seeds the schema and checks what really ran. */
  admin: mysql.Connection;
  /** Adds the store connection (MYSQL, no upstream TLS) that reaches this database; returns its id. */
  addConnection: (harness: Harness, name?: string) => Promise<string>;
  drop: () => Promise<void>;
};

/** `schema` gets the database's name and returns the statements that create and fill its tables. */
export async function createMariaStage(
  prefix: string,
  schema: (database: string) => string,
): Promise<MariaStage> {
  const server = inject("mariadb");
  const suffix = randomBytes(4).toString("hex");
  const database = `${prefix}_${suffix}`;
  const user = `${prefix}_app_${suffix}`;
  const password = randomBytes(12).toString("base64url");
  const admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    multipleStatements: true,
  });
  await admin.query(`
    CREATE DATABASE ${database};
    ${schema(database)}
    CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
    GRANT ALL ON ${database}.* TO '${user}'@'%';`);
  return {
    database,
    user,
    password,
    admin,
    addConnection: async (harness, name = "maria") => {
      await harness.addConnection({
        name,
        type: "MYSQL",
        host: server.host,
        port: server.port,
        database,
        username: user,
        password,
        tlsMode: "DISABLE",
      });
      return (await harness.prisma.connection.findUniqueOrThrow({ where: { name } })).id;
    },
    drop: async () => {
      await admin.query(`DROP DATABASE ${database}; DROP USER '${user}'@'%'`);
      await admin.end();
    },
  };
}

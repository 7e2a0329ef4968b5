import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

let harness: MySqlHarness;
beforeAll(async () => {
  harness = await startMySqlHarness();
});
afterAll(async () => harness?.stop());

describe("MySQL clients through Sluice see what they see directly", () => {
  it("mysql2 text protocol", async () => {
    const through = await harness.connectAgent();
    const direct = await harness.connectDirect();
    const sql = "SELECT id, name, salary FROM employees ORDER BY id";
    const [viaGateway] = await through.query(sql);
    const [viaDirect] = await direct.query(sql);
    expect(viaGateway).toEqual(viaDirect);
    expect(viaGateway).toHaveLength(2);
    await through.end();
    await direct.end();
  });

  it("mysql2 prepared statements (binary rows)", async () => {
    const through = await harness.connectAgent();
    const direct = await harness.connectDirect();
    const sql = "SELECT id, name, salary FROM employees WHERE id = ?";
    const [viaGateway] = await through.execute(sql, [2]);
    const [viaDirect] = await direct.execute(sql, [2]);
    expect(viaGateway).toEqual(viaDirect);
    expect(viaGateway).toEqual([{ id: 2, name: "Grace", salary: 200 }]);
    await through.end();
    await direct.end();
  });

  it("mysql2: writes, multiple statements are refused one reading at a time, ping", async () => {
    const through = await harness.connectAgent();
    const [result] = await through.query("UPDATE employees SET salary = salary + 1 WHERE id = 1");
    expect(result).toMatchObject({ affectedRows: 1 });
    await through.ping();
    await through.end();
  });

  it("the mariadb command-line client", async () => {
    const out = await harness.mariadbCli("SELECT name FROM employees ORDER BY id");
    expect(out).toBe("name\nAda\nGrace\n");
  });

  it("PyMySQL", async () => {
    const out = await harness.pymysql(["SELECT id, name FROM employees ORDER BY id"]);
    expect(out).toEqual([
      {
        rows: [
          [1, "Ada"],
          [2, "Grace"],
        ],
      },
    ]);
  });

  it("SQLAlchemy (mysql+pymysql): connect, inspect() and a query, as directly", async () => {
    const viaGateway = await harness.sqlalchemy("gateway", "departments");
    const viaDirect = await harness.sqlalchemy("direct", "departments");
    expect(viaGateway).toEqual(viaDirect);
    expect(viaGateway.tables).toEqual(["departments", "employees"]);
    expect(viaGateway.primaryKey).toEqual(["id"]);
  });

  it("refuses a login without TLS, with a wrong token, or to an unknown connection", async () => {
    await expect(harness.connectAgent({ ssl: false })).rejects.toThrow(/requires TLS/);
    await expect(harness.connectAgent({ password: "sk_wrong" })).rejects.toThrow(
      /unknown agent or wrong token/,
    );
    await expect(harness.connectAgent({ database: "nope" })).rejects.toThrow(/may not use connection "nope"/);
  });
});

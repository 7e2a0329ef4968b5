import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";
import { RESET_CHECK_SQL } from "../src/upstream-reset";

/**
 * The check after DISCARD ALL runs on an agent's pooled upstream session, whose search_path is back
 * at the role's or database's default. A default of `evil, pg_catalog` puts evil's functions,
 * operators and types ahead of pg_catalog's for every unqualified name, so the check must name
 * only pg_catalog's or a look-alike `count(*)` could report a dirty session clean.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase("resetcheck");
  await adminQuery(
    database.url,
    `CREATE SCHEMA evil;
     CREATE FUNCTION evil.keep(int8) RETURNS int8 LANGUAGE sql AS 'SELECT 0::int8';
     CREATE AGGREGATE evil.count(*) (sfunc = evil.keep, stype = int8, initcond = '0');
     CREATE FUNCTION evil.never(int4, int4) RETURNS bool LANGUAGE sql AS 'SELECT false';
     CREATE OPERATOR evil.= (leftarg = int4, rightarg = int4, function = evil.never);
     ALTER DATABASE ${database.name} SET search_path = evil, pg_catalog, public`,
  );
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

it("reports what the session still holds, whatever its search_path defaults to", async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    // The look-alike is really what an unqualified count(*) reaches here.
    const shadowed = await client.query("SELECT count(*) AS n FROM pg_catalog.pg_class");
    expect(Number(shadowed.rows[0].n)).toBe(0);
    await client.query("PREPARE left_behind AS SELECT 1");
    await client.query("CREATE TEMP TABLE scratch (id int)");
    const { rows } = await client.query({ text: RESET_CHECK_SQL, rowMode: "array" });
    const [, , , , prepared, , temporary] = rows[0] as string[];
    expect(prepared).toBe("1");
    expect(temporary).toBe("1");
  } finally {
    await client.end();
  }
});

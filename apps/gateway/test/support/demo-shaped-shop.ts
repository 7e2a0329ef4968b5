import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import type { Harness } from "./gateway-harness";
import { addSalaryReviewRule } from "./salary-review";

/** A read-only twin of the harness's connection, for the cases that need one. */
export const READ_ONLY_CONNECTION = "shop_ro";

/**
 * The demo's guardrails and review rule, plus a table rule, on a database shaped like the demo, and
 * a read-only twin connection: what the bypass corpus is judged against.
 */
export async function seedDemoShapedShop(harness: Harness): Promise<void> {
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await direct.query(`
    CREATE TABLE orders (id serial PRIMARY KEY, status text);
    CREATE TABLE employees (id serial PRIMARY KEY, first_name text, salary numeric);
    CREATE TABLE secrets (id int);
    CREATE TABLE notes (id int); INSERT INTO notes VALUES (1), (2);
    CREATE SCHEMA hr; CREATE TABLE hr.secrets (id int);
    -- Moves the search path where the statement text cannot show it.
    CREATE FUNCTION public.path_to_public() RETURNS text LANGUAGE sql
      AS $$ SELECT set_config('search_path', 'public', false) $$;
    INSERT INTO orders (status) VALUES ('paid'), ('shipped');
    GRANT ALL ON ALL TABLES IN SCHEMA public, hr TO ${role};
    GRANT USAGE ON SCHEMA hr TO ${role};
    GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role};`);
  await direct.end();

  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.addTwinConnection(READ_ONLY_CONNECTION);
  await harness.prisma.connection.update({
    where: { name: READ_ONLY_CONNECTION },
    data: { isReadOnly: true },
  });
  await harness.prisma.guardrailRule.createMany({
    data: [
      {
        connectionId: shop.id,
        name: "no-drop-truncate",
        kind: "STATEMENT_KIND",
        match: { kinds: ["DROP", "TRUNCATE"] },
      },
      {
        connectionId: shop.id,
        name: "no-unscoped-delete",
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE"] },
      },
      {
        connectionId: shop.id,
        name: "no-unscoped-update",
        kind: "MISSING_WHERE",
        match: { kinds: ["UPDATE"] },
      },
      {
        connectionId: shop.id,
        name: "no-file-functions",
        kind: "FUNCTION",
        match: { functions: ["pg_read_file", "lo_import", "lo_export"] },
      },
      { connectionId: shop.id, name: "no-secrets", kind: "TABLE", match: { tables: ["public.secrets"] } },
      // A user-defined function is refused unless named: the search-path case below needs this one.
      {
        connectionId: shop.id,
        name: "allow-path-to-public",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.path_to_public"] },
      },
    ],
  });
  await addSalaryReviewRule(harness, shop.id);
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}

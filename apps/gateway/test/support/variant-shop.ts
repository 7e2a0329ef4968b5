import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import type { Harness } from "./gateway-harness";
import { SENSITIVE_VALUES, seedMaskedShop } from "./masked-shop";
import { connectRecording } from "./received-bytes";

/** A row of `vip`, a table that INHERITS the masked `customers`, with values of its own. */
export const VIP = {
  id: 900,
  firstName: "Vic",
  email: "vic@vip.test",
  ssn: "987-65-4321",
  card: "4111111111111111",
};

/** An SSN in a partition whose column is masked, read through its partitioned parent. */
export const PARTITION_SSN = "555-12-3456";

/** Every value that must not arrive, and the forms an error can print them in (digits only). */
export const SENSITIVE_FORMS = [...SENSITIVE_VALUES, VIP.ssn, VIP.email, VIP.card, PARTITION_SSN]
  .flatMap((value) => [value, value.replace(/\D/g, "")])
  .filter((form) => form.length >= 6);

/**
 * The masked shop (see masked-shop.ts) with what an attacker's variants lean on, all created by the
 * upstream's own role as an admin would: a check constraint and a unique key on customers, a table
 * whose foreign key quotes an SSN, a trigger that RAISEs SSNs, a user function in another schema,
 * a child table of customers, and the owner's code behind names an agent may use unawares (a
 * function and an operator shadowing built-ins, a cast, an aggregate, a domain CHECK that RAISEs,
 * a view, a column default); and guardrails: DELETE/UPDATE must be limited, no ALTER of any kind.
 */
export async function seedVariantShop(harness: Harness): Promise<void> {
  await seedMaskedShop(harness);
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    ALTER TABLE customers ADD CONSTRAINT short_name CHECK (length(first_name) < 40);
    ALTER TABLE customers ADD CONSTRAINT ssn_unique UNIQUE (ssn);
    CREATE TABLE refs (ssn text REFERENCES customers(ssn));
    INSERT INTO refs SELECT ssn FROM customers WHERE id = 1;
    CREATE TABLE notes (id int, body text);
    CREATE SCHEMA other;
    CREATE FUNCTION other.f() RETURNS SETOF text LANGUAGE sql AS 'SELECT ssn FROM public.customers';
    CREATE FUNCTION noisy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE NOTICE 'saw %', (SELECT string_agg(ssn, ',') FROM customers); RETURN NEW; END $$;
    CREATE TRIGGER noisy BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION noisy();
    CREATE TABLE vip () INHERITS (customers);
    CREATE FUNCTION other.ssns() RETURNS text LANGUAGE sql AS 'SELECT string_agg(ssn, '','') FROM public.customers';
    CREATE FUNCTION public.initcap(text) RETURNS text LANGUAGE sql AS 'SELECT other.ssns()';
    CREATE FUNCTION other.plus(text, text) RETURNS text LANGUAGE sql AS 'SELECT other.ssns()';
    CREATE OPERATOR public.+ (function = other.plus, leftarg = text, rightarg = text);
    CREATE TYPE other.pair AS (a int);
    CREATE FUNCTION other.pair_text(other.pair) RETURNS text LANGUAGE sql AS 'SELECT other.ssns()';
    CREATE CAST (other.pair AS text) WITH FUNCTION other.pair_text(other.pair);
    CREATE FUNCTION other.sf(text, text) RETURNS text LANGUAGE sql AS 'SELECT other.ssns()';
    CREATE AGGREGATE other.agg(text) (sfunc = other.sf, stype = text);
    CREATE FUNCTION other.loud(text) RETURNS bool LANGUAGE plpgsql AS
      $$ BEGIN RAISE NOTICE '%', other.ssns(); RETURN true; END $$;
    CREATE DOMAIN other.checked AS text CHECK (other.loud(VALUE));
    CREATE VIEW other.v AS SELECT other.ssns() AS x;
    CREATE TABLE other.audit (id int, x text DEFAULT other.ssns());
    CREATE TABLE accounts (id int, ssn text) PARTITION BY RANGE (id);
    CREATE TABLE accounts_eu PARTITION OF accounts FOR VALUES FROM (0) TO (100);`);
  await direct.query("INSERT INTO accounts VALUES (1, $1)", [PARTITION_SSN]);
  await direct.query("INSERT INTO vip VALUES ($1, $2, $3, $4, $5)", [
    VIP.id,
    VIP.firstName,
    VIP.email,
    VIP.ssn,
    VIP.card,
  ]);
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  // The rule names the partition only: its rows are the parent's rows too.
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "eu-ssn",
      columnSelector: "public.accounts_eu.ssn",
      strategy: "REDACT",
    },
  });
  await harness.prisma.guardrailRule.createMany({
    data: [
      {
        connectionId: shop.id,
        name: "scoped-writes",
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE", "UPDATE"] },
      },
      { connectionId: shop.id, name: "no-alter", kind: "STATEMENT_KIND", match: { kinds: ["ALTER"] } },
    ],
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}

export type Attempt = {
  /** Every byte the client received, as latin1 text. */
  bytes: string;
  /** Per step: the rows, or the error's SQLSTATE and message. */
  results: ({ rows: Record<string, unknown>[] } | { code: string; message: string })[];
};

/** Runs the steps in one session (simple or extended protocol), keeping every byte received. */
export async function attempt(
  url: string,
  steps: readonly string[],
  mode: "simple" | "extended",
): Promise<Attempt> {
  const { client, received } = await connectRecording(url);
  client.on("error", () => {});
  const results: Attempt["results"] = [];
  for (const text of steps) {
    try {
      const result = await client.query({
        text,
        ...(mode === "extended" ? { queryMode: "extended" } : {}),
      } as pg.QueryConfig);
      results.push({ rows: result.rows });
    } catch (error) {
      const { code, message } = error as pg.DatabaseError;
      results.push({ code: code ?? "", message });
    }
  }
  await client.end().catch(() => {});
  return { bytes: received().toString("latin1"), results };
}

/** The sensitive forms among the bytes. */
export const leakedForms = (bytes: string) => SENSITIVE_FORMS.filter((form) => bytes.includes(form));

/** The upstream's orders, as a fingerprint a refused write must leave as it was. */
export async function ordersFingerprint(directUrl: string): Promise<string> {
  const direct = new pg.Client({ connectionString: directUrl });
  await direct.connect();
  try {
    const { rows } = await direct.query(
      "SELECT string_agg(id || ':' || status, ',' ORDER BY id) AS r FROM orders",
    );
    return String(rows[0].r);
  } finally {
    await direct.end();
  }
}

import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { SENSITIVE_VALUES, seedMaskedShop } from "./support/masked-shop";
import { connectRecording } from "./support/received-bytes";

/**
 * Errors and notices of statements that reach masked columns carry no value (issue 14's fifth
 * class). Each statement is first run directly, where the server's own error quotes a sensitive
 * value (or a form of one: an SSN's digits, a card number as a number), so every case is a real
 * leak to close; through the gateway no byte of any of those forms may arrive, and the SQLSTATE
 * must be the server's.
 */
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

/** The values and the forms an error can print them in. */
const FORMS = SENSITIVE_VALUES.flatMap((value) => [
  value,
  value.replace(/\D/g, ""),
  value.slice(0, value.indexOf("@")),
  // A JSON error quotes the token it choked on: an email's first word.
  value.includes("@") ? `"${/^[a-z]+/.exec(value)?.[0] ?? ""}"` : "",
]).filter((form) => form.length >= 6);

const CASES = [
  "SELECT chr(replace(ssn, '-', '')::int) FROM customers",
  "SELECT make_date(substr(ssn, 1, 3)::int, substr(ssn, 5, 2)::int, substr(ssn, 8, 4)::int) FROM customers",
  "SELECT ('{\"a\": ' || email || '}')::jsonb FROM customers",
  "SELECT email::jsonb FROM customers",
  "SELECT email::json FROM customers",
  "SELECT ssn::int FROM customers",
  "SELECT replace(ssn, '-', '')::smallint FROM customers",
  "SELECT card_number::int FROM customers",
  "SELECT card_number::smallint FROM customers",
  "SELECT email::uuid FROM customers",
  "SELECT ssn::date FROM customers",
  "SELECT ssn::timestamp FROM customers",
  "SELECT ssn::interval FROM customers",
  "SELECT ssn::regclass FROM customers",
  "SELECT ssn::regproc FROM customers",
  "SELECT ssn::regtype FROM customers",
  "SELECT email::inet FROM customers",
  "SELECT email::money FROM customers",
  "SELECT ssn::boolean FROM customers",
  "SELECT ssn::numeric FROM customers",
  "SELECT ssn::float8 FROM customers",
  "SELECT ssn::macaddr FROM customers",
  "SELECT ssn::point FROM customers",
  "SELECT xmlparse(document email) FROM customers",
  "SELECT to_date(ssn, 'YYYY-MM-DD') FROM customers",
  "SELECT ssn::int FROM customers WHERE id = 1 UNION ALL SELECT 1",
  "WITH c AS (SELECT ssn FROM customers) SELECT ssn::int FROM c",
  "SELECT (SELECT ssn::int FROM customers LIMIT 1)",
  "SELECT * FROM customers WHERE ssn::int > 0",
  "SELECT * FROM customers ORDER BY card_number::smallint",
  "SELECT count(*) FROM customers GROUP BY email::uuid",
  "SELECT jsonb_build_object('e', email)->>'e' || (ssn::int)::text FROM customers",
  "SELECT array[ssn]::int[] FROM customers",
  "SELECT row(ssn)::text::int FROM customers",
  "SELECT ('{' || email || '}')::text[]::int[] FROM customers",
  "SELECT to_jsonb(c)::text::int FROM customers c",
  "SELECT (card_number || 'x')::numeric FROM customers",
  "SELECT email::tsvector::text::int FROM customers",
];

/** Every byte a client received while running `sql`, simple or extended, text or binary. */
async function receivedBytes(url: string, sql: string, isExtended: boolean): Promise<string> {
  const { client, received } = await connectRecording(url);
  // Named: the extended protocol; binary results, as some drivers ask for.
  const config: pg.QueryConfig = isExtended ? { text: sql, name: "through-extended" } : { text: sql };
  if (isExtended) Object.assign(config, { binary: true });
  const error = await client.query(config).then(
    () => null,
    (reason: unknown) => reason as pg.DatabaseError,
  );
  await client.end();
  return `${error?.code ?? "no error"}\n${received().toString("latin1")}`;
}

describe("errors of statements that reach masked columns quote no value", () => {
  for (const sql of CASES) {
    it(sql, async () => {
      const direct = await receivedBytes(harness.directUrl, sql, false);
      const code = direct.slice(0, direct.indexOf("\n"));
      // The case is real: directly, the server's error text quotes a sensitive value.
      expect(code).not.toBe("no error");
      expect(FORMS.some((form) => direct.includes(form))).toBe(true);
      for (const isExtended of [false, true]) {
        const through = await receivedBytes(harness.url, sql, isExtended);
        expect(through.slice(0, through.indexOf("\n"))).toBe(code);
        expect(FORMS.filter((form) => through.includes(form))).toEqual([]);
      }
    });
  }

  it("the error of a statement that reads no masked column keeps its text", async () => {
    const through = await receivedBytes(harness.url, "SELECT status::int FROM orders", false);
    expect(through).toContain('invalid input syntax for type integer: "paid"');
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, type RawClient } from "./support/raw-client";
import { loginAs, type Side } from "./support/side-by-side";

/**
 * Text PostgreSQL's parser rejects is answered with the server's own ErrorResponse, byte for byte:
 * every field (S, V, C, M, P, H, F, L, R) as the server sends it, in the simple and the extended
 * protocol, and the same ReadyForQuery after it. The oracle is the server reached directly.
 */
const MALFORMED = [
  "SELEC 1",
  "SELECT 1 FROM WHERE x",
  "SELECT 'unterminated",
  "SELECT 'é', 'ü' FROM WHERE",
  "SELECT * FROM t ORDER BY 1 ORDER BY 2",
  'SELECT ""',
  "SELECT 1 +",
  "CREATE TABLE (x int)",
  "SELECT $$abc",
  "SELECT /* unterminated",
  "SELECT 1 LIMIT 1 LIMIT 2",
  "INSERT INTO t VALUES (1",
  "SELECT U&'\\zzzz'",
  "WITH x AS (SELECT 1) WITH y AS (SELECT 2) SELECT 1",
  "SELECT * FROM t FOR UPDATE FOR UPDATE SKIP LOCKED NOWAIT",
  "SELECT 0x",
  "SELECT 123abc",
  "SELECT E'\\u00'",
  "CREATE INDEX ON t USING",
  "DELETE t",
  "UPDATE SET x = 1",
  "SELECT 1 FROM t t t",
  "SELECT * FROM t LIMIT ALL, 3",
  'SELECT 1 AS "x',
  "COPY t FROM STDIN STDIN",
  "SELECT 1::int[",
  "SELECT 1; SELEC 2",
  "SELECT (1 -- an open parenthesis, then a comment",
  "SELECT 'ü€' || (",
  "SELECT $tag$never closed $tag",
  "/* only a comment, never closed",
  "SELECT 1 -- fine\n; DELET FROM t",
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.stop());

const login = (side: Side) => loginAs(harness, side);

const parse = (sql: string, name = "") => bytes.tagged("P", Buffer.from(`${name}\0${sql}\0\0\0`));
const sync = () => bytes.tagged("S", Buffer.alloc(0));

/** Every message of the answer, up to ReadyForQuery, as type and hex bytes. */
async function answer(client: RawClient, request: Buffer): Promise<string[]> {
  client.write(request);
  return (await client.readUntil("Z")).map((m) => `${m.type}:${m.body.toString("hex")}`);
}

async function answersTo(side: Side, sql: string): Promise<string[][]> {
  const client = await login(side);
  try {
    return [
      await answer(client, bytes.query(sql)),
      await answer(client, Buffer.concat([parse(sql), sync()])),
      await answer(client, Buffer.concat([parse(sql, "named"), sync()])),
      // Inside a transaction block: the error aborts it, as ReadyForQuery 'E' says.
      await answer(client, bytes.query("BEGIN")),
      await answer(client, bytes.query(sql)),
      await answer(client, bytes.query("ROLLBACK")),
    ];
  } finally {
    client.close();
  }
}

describe("a statement the parser rejects", () => {
  for (const sql of MALFORMED) {
    it(`gets the server's ErrorResponse byte for byte: ${JSON.stringify(sql)}`, async () => {
      const direct = await answersTo("direct", sql);
      const gateway = await answersTo("gateway", sql);
      expect(gateway).toEqual(direct);
      const error = direct[0]?.[0] ?? "";
      expect(error.startsWith("E:")).toBe(true);
      expect(errorFields(Buffer.from(error.slice(2), "hex"))["C"]).toMatch(/^(42601|22025)$/);
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { seedMaskedShop } from "./support/masked-shop";
import { attempt, leakedForms } from "./support/variant-shop";

/**
 * A failed DDL statement's error reaches the agent as the server wrote it when the statement reads
 * no row (it only defines or drops objects, even ones the masking catalog does not know yet), and
 * stays withheld when it reads rows of a masked table, where the text could quote a value.
 */
const ROWLESS_FAILURES = [
  "CREATE TABLE orders (id int)",
  "CREATE TABLE fresh (id int, id int)",
  "CREATE TABLE fresh (id int REFERENCES nothere(id))",
  "CREATE TABLE fresh (LIKE nothere)",
  "CREATE TABLE fresh (id nosuchtype)",
  "CREATE SCHEMA s1 CREATE TABLE x (id int REFERENCES nothere(id))",
  "DROP TABLE nothere",
  "DROP FUNCTION nothere()",
  "COMMENT ON TABLE nothere IS 'x'",
  "DROP VIEW nothere",
  "DROP INDEX nothere",
  "CREATE SEQUENCE s2 INCREMENT 0",
  "LOCK TABLE nothere",
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

describe("DDL errors: the server's text where no value can be in it", () => {
  for (const sql of ROWLESS_FAILURES) {
    it(`${sql} fails with the server's own error`, async () => {
      for (const mode of ["simple", "extended"] as const) {
        const direct = await attempt(harness.directUrl, [sql], mode);
        const through = await attempt(harness.url, [sql], mode);
        expect(direct.results[0], `${mode}: fails upstream`).toMatchObject({ code: expect.any(String) });
        expect(through.results, mode).toEqual(direct.results);
      }
    });
  }

  it("a DDL statement that reads masked rows still has its text withheld", async () => {
    const sql = "ALTER TABLE customers ALTER COLUMN ssn TYPE int USING ssn::int";
    for (const mode of ["simple", "extended"] as const) {
      const direct = await attempt(harness.directUrl, ["BEGIN", sql, "ROLLBACK"], mode);
      // The server's own text prints the SSN it could not cast.
      expect(leakedForms(direct.bytes).length, "the oracle leaks").toBeGreaterThan(0);
      const through = await attempt(harness.url, [sql], mode);
      expect(leakedForms(through.bytes)).toEqual([]);
      expect(through.results[0]).toMatchObject({
        code: expect.any(String),
        message: expect.not.stringContaining("invalid input syntax"),
      });
    }
  });
});

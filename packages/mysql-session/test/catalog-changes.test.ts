import { parseMySql } from "@sluice/mysql-sql/parse";
import { describe, expect, it } from "vitest";
import { mayChangeCatalog } from "../src/catalog-changes";

describe("mayChangeCatalog: which statements leave the catalog to be read again", () => {
  it.each([
    "SELECT name FROM employees WHERE id = 1",
    "INSERT INTO notes VALUES (1, 'a')",
    "UPDATE notes SET body = 'b' WHERE id = 1",
    "DELETE FROM notes WHERE id = 1",
    "SHOW WARNINGS",
    "SET @a = 1",
    "USE shop",
    "BEGIN",
    "COMMIT",
  ])("%s changes nothing the catalog lists", (sql) => {
    expect(mayChangeCatalog(parseMySql(sql))).toBe(false);
  });

  it.each([
    "CREATE TEMPORARY TABLE scratch (id INT)",
    "CREATE TABLE copy AS SELECT id FROM employees",
    "CREATE VIEW v AS SELECT id FROM employees",
    "DROP TABLE notes",
    "ALTER TABLE notes ADD COLUMN c INT",
    "RENAME TABLE notes TO old_notes",
    "TRUNCATE TABLE notes",
    "CALL refresh_everything()",
    "SELECT 1; CREATE TEMPORARY TABLE scratch (id INT)",
  ])("%s may change it", (sql) => {
    expect(mayChangeCatalog(parseMySql(sql))).toBe(true);
  });

  it("takes a statement it did not read, or could not, as one that may", () => {
    expect(mayChangeCatalog(undefined)).toBe(true);
    expect(mayChangeCatalog(parseMySql("FROB THE TABLES"))).toBe(true);
  });
});

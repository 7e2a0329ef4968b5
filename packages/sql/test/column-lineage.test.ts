import { type RelationCatalog, resolveLineage, type Sources } from "@sluice/sql/column-lineage";
import type { StatementFacts } from "@sluice/sql/facts";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const TABLES: Record<string, string[]> = {
  customers: ["id", "first_name", "last_name", "email", "phone", "ssn", "card_number"],
  orders: ["id", "customer_id", "total"],
  employees: ["id", "first_name", "last_name", "email", "ssn", "department", "title", "salary"],
};

const CATALOG: RelationCatalog = {
  relationsNamed: (schema, name) => {
    const columns = TABLES[name];
    return columns && (schema === null || schema === "public")
      ? [{ schema: "public", table: name, columns }]
      : null;
  },
};

function one(sql: string): StatementFacts {
  const parsed = parseStatements(sql);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.statements[0] as StatementFacts;
}

/** Sources as `table.column` (`table.*` for a whole row), `?` when unknown. */
function show(sources: Sources): string[] {
  if (sources.isUnknown) return ["?"];
  return [...new Set(sources.columns.map((s) => `${s.table}.${s.column ?? "*"}`))].sort();
}

/** What the policy passes when it has no catalog: the relations a name may be, columns unlisted. */
const NAMES_ONLY: RelationCatalog = {
  relationsNamed: (_schema, name) => [{ schema: "public", table: name, columns: null }],
};

const outputs = (sql: string, catalog: RelationCatalog | null = CATALOG) =>
  resolveLineage(one(sql), catalog).outputs?.map(show) ?? null;

describe("column lineage: columns resolve the way the server resolves them", () => {
  it("follows plain columns, aliases and aggregates", () => {
    expect(outputs("SELECT upper(first_name), count(*), 1 FROM customers")).toEqual([
      ["customers.first_name"],
      [],
      [],
    ]);
    expect(
      outputs("SELECT c.first_name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id"),
    ).toEqual([["customers.first_name"], ["orders.total"]]);
  });

  it("renames positionally through an alias column list", () => {
    expect(outputs("SELECT s || '' FROM customers AS c(id, fn, ln, e, ph, s, cn)")).toEqual([
      ["customers.ssn"],
    ]);
    expect(outputs("SELECT first_name FROM customers AS c(ssn)")).toEqual([["customers.first_name"]]);
    // The renamed first column and the sixth are both ssn now: the server finds it ambiguous.
    expect(outputs("SELECT ssn FROM customers AS c(ssn)")).toEqual([["customers.id", "customers.ssn"]]);
    expect(outputs("SELECT s FROM employees AS e(i, f, l, em, ss, d, t, s)")).toEqual([["employees.salary"]]);
  });

  it("reads c.f as f(c) when f is not a column of c, and a bare relation name as its whole row", () => {
    expect(outputs("SELECT c.to_jsonb FROM customers c")).toEqual([["customers.*"]]);
    expect(outputs("SELECT (c).to_jsonb FROM customers c")).toEqual([["customers.*"]]);
    expect(outputs("SELECT to_jsonb(c) FROM customers c")).toEqual([["customers.*"]]);
    expect(outputs("SELECT c FROM customers c")).toEqual([["customers.*"]]);
    expect(outputs("SELECT customers.quote_literal FROM customers")).toEqual([["customers.*"]]);
  });

  it("follows whole rows of join aliases, subqueries and CTEs", () => {
    expect(
      outputs("SELECT to_jsonb(j) FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j"),
    ).toEqual([["customers.*", "orders.*"]]);
    expect(outputs("SELECT upper(s) FROM (SELECT ssn AS s FROM customers) q")).toEqual([["customers.ssn"]]);
    expect(outputs("SELECT upper(q.x) FROM (SELECT first_name, ssn FROM customers) q(x, y)")).toEqual([
      ["customers.first_name"],
    ]);
    expect(outputs("WITH x(a, b) AS (SELECT first_name, ssn FROM customers) SELECT b || '' FROM x")).toEqual([
      ["customers.ssn"],
    ]);
    expect(outputs("SELECT q.row_to_json FROM (SELECT * FROM customers) q")).toEqual([
      [
        "customers.card_number",
        "customers.email",
        "customers.first_name",
        "customers.id",
        "customers.last_name",
        "customers.phone",
        "customers.ssn",
      ],
    ]);
  });

  it("merges USING and NATURAL columns and expands * and t.*", () => {
    expect(outputs("SELECT id FROM customers JOIN orders USING (id)")).toEqual([
      ["customers.id", "orders.id"],
    ]);
    expect(
      outputs(
        "SELECT * FROM (SELECT id, ssn FROM customers) a NATURAL JOIN (SELECT id, total FROM orders) b",
      ),
    ).toEqual([["customers.id", "orders.id"], ["customers.ssn"], ["orders.total"]]);
    expect(outputs("SELECT o.*, 1 FROM customers c JOIN orders o ON true")).toEqual([
      ["orders.id"],
      ["orders.customer_id"],
      ["orders.total"],
      [],
    ]);
  });

  it("follows set operations, VALUES, LATERAL and functions in FROM", () => {
    expect(outputs("SELECT first_name FROM customers UNION SELECT ssn FROM customers")).toEqual([
      ["customers.first_name", "customers.ssn"],
    ]);
    expect(outputs("SELECT column1 FROM (VALUES (1), (2)) v")).toEqual([[]]);
    expect(outputs("SELECT x FROM customers c, LATERAL (SELECT c.ssn AS x) l")).toEqual([["customers.ssn"]]);
    expect(outputs("SELECT u FROM customers c, unnest(ARRAY[c.email]) AS u")).toEqual([["customers.email"]]);
    expect(outputs("SELECT r.a FROM customers c, json_to_record(row_to_json(c)) AS r(a text)")).toEqual([
      ["customers.*"],
    ]);
  });

  it("puts a subquery's value in the clause it stands in", () => {
    const lineage = resolveLineage(
      one("SELECT id FROM orders WHERE (SELECT ssn FROM customers LIMIT 1) = '1'"),
      CATALOG,
    );
    expect(
      lineage.references.filter((ref) => ref.clause === "where").flatMap((ref) => show(ref.sources)),
    ).toContain("customers.ssn");
  });

  it("reads GROUP BY and ORDER BY names and positions as input and result columns both", () => {
    const byClause = (sql: string, clause: string) =>
      resolveLineage(one(sql), CATALOG)
        .references.filter((ref) => ref.clause === clause)
        .flatMap((ref) => show(ref.sources));
    expect(byClause("SELECT first_name AS ssn FROM customers GROUP BY ssn", "group")).toContain(
      "customers.ssn",
    );
    expect(byClause("SELECT id, ssn FROM customers ORDER BY 2", "order")).toContain("customers.ssn");
    expect(byClause("SELECT ssn AS k FROM customers ORDER BY k", "order")).toContain("customers.ssn");
  });

  it("reads positions inside ROLLUP, CUBE, GROUPING SETS and parenthesized lists as result columns", () => {
    const grouped = (sql: string) =>
      resolveLineage(one(sql), CATALOG)
        .references.filter((ref) => ref.clause === "group")
        .flatMap((ref) => show(ref.sources));
    for (const group of ["ROLLUP(2)", "CUBE((1, 2))", "GROUPING SETS ((1), (2), ())", "(1, 2)"]) {
      expect(grouped(`SELECT id, ssn, count(*) FROM customers GROUP BY ${group}`), group).toContain(
        "customers.ssn",
      );
    }
    expect(grouped("SELECT id, ssn, count(*) FROM customers GROUP BY ROLLUP(1)")).not.toContain(
      "customers.ssn",
    );
  });

  it("reads DISTINCT as comparing every result column, DISTINCT ON as the ones it names", () => {
    const distinct = (sql: string) =>
      resolveLineage(one(sql), CATALOG)
        .references.filter((ref) => ref.clause === "distinct")
        .flatMap((ref) => show(ref.sources));
    expect(distinct("SELECT DISTINCT id, ssn FROM customers")).toContain("customers.ssn");
    expect(distinct("SELECT DISTINCT ON (2) id, ssn FROM customers")).toContain("customers.ssn");
    expect(distinct("SELECT DISTINCT ON (ssn) id FROM customers")).toContain("customers.ssn");
    expect(distinct("SELECT DISTINCT ON (k) id, ssn AS k FROM customers")).toContain("customers.ssn");
    expect(distinct("SELECT DISTINCT ON (1) id, ssn FROM customers")).not.toContain("customers.ssn");
    expect(distinct("SELECT id, ssn FROM customers")).toEqual([]);
  });

  it("does not line up outputs behind a (x).* whose width it cannot know", () => {
    expect(outputs("SELECT (c).*, upper(first_name) FROM customers c")).toBeNull();
  });

  it("fails closed on what it cannot see: unknown relations, and alias.name without a catalog", () => {
    expect(outputs("SELECT upper(x) FROM brand_new")).toEqual([["?"]]);
    expect(outputs("SELECT upper(first_name) FROM customers", null)).toEqual([["?"]]);
    expect(outputs("SELECT upper(first_name) FROM customers", NAMES_ONLY)).toEqual([
      ["customers.first_name"],
    ]);
    // c.first_name may be first_name(c), or field first_name of a column c.
    expect(outputs("SELECT upper(c.first_name) FROM customers c", NAMES_ONLY)).toEqual([
      ["customers.*", "customers.c"],
    ]);
    expect(outputs("SELECT c FROM customers c", NAMES_ONLY)).toEqual([["customers.*", "customers.c"]]);
    expect(outputs("SELECT upper(x) FROM customers AS c(x)", NAMES_ONLY)).toEqual([["customers.*"]]);
  });

  it("lists columns a write assigns apart from what it reads", () => {
    const lineage = resolveLineage(
      one("UPDATE customers c SET first_name = c.to_jsonb->>'ssn' WHERE id = 1"),
      CATALOG,
    );
    expect(lineage.targets.map((t) => `${t.table}.${t.column}`)).toEqual(["customers.first_name"]);
    expect(lineage.references.find((ref) => ref.clause === "set")?.sources).toMatchObject({
      columns: [{ table: "customers", column: null }],
    });
  });

  it("reads what COPY of a table sends out, and writes what COPY FROM loads", () => {
    const read = (sql: string) =>
      resolveLineage(one(sql), CATALOG)
        .references.filter((ref) => ref.clause === "select")
        .flatMap((ref) => show(ref.sources));
    expect(read("COPY employees TO STDOUT")).toEqual(["employees.*"]);
    expect(read("COPY employees (id, salary) TO STDOUT (FORMAT csv)")).toEqual([
      "employees.id",
      "employees.salary",
    ]);
    expect(read("COPY (SELECT salary FROM employees) TO STDOUT")).toEqual(["employees.salary"]);
    expect(read("COPY nowhere TO STDOUT")).toEqual(["?"]);
    const written = (sql: string) =>
      resolveLineage(one(sql), CATALOG).targets.map((t) => `${t.table}.${t.column ?? "*"}`);
    expect(written("COPY employees (salary) FROM STDIN")).toEqual(["employees.salary"]);
    expect(written("COPY employees FROM STDIN")).toEqual(["employees.*"]);
  });

  it("reads the columns an index or a constraint names", () => {
    const read = (sql: string) =>
      resolveLineage(one(sql), CATALOG)
        .references.filter((ref) => !ref.sources.isUnknown)
        .flatMap((ref) => show(ref.sources))
        .filter((name) => name !== "employees.*");
    expect(read("CREATE UNIQUE INDEX ux ON employees (salary)")).toEqual(["employees.salary"]);
    expect(read("CREATE INDEX ix ON employees (id) INCLUDE (salary)")).toEqual([
      "employees.id",
      "employees.salary",
    ]);
    expect(read("ALTER TABLE employees ADD CONSTRAINT u UNIQUE (salary)")).toEqual(["employees.salary"]);
    expect(read("ALTER TABLE employees ADD PRIMARY KEY (id, salary)")).toEqual([
      "employees.id",
      "employees.salary",
    ]);
  });

  it("writes every column of an INSERT without a column list, in a MERGE too", () => {
    const written = (sql: string) =>
      resolveLineage(one(sql), CATALOG).targets.map((t) => `${t.table}.${t.column ?? "*"}`);
    expect(written("INSERT INTO employees VALUES (3, 'a', 'b', 'c', 'd', 'e', 'f', 5)")).toEqual([
      "employees.*",
    ]);
    expect(written("INSERT INTO employees SELECT * FROM employees")).toEqual(["employees.*"]);
    expect(written("INSERT INTO employees (id, salary) VALUES (3, 5)")).toEqual([
      "employees.id",
      "employees.salary",
    ]);
    expect(written("INSERT INTO employees DEFAULT VALUES")).toEqual([]);
    expect(
      written(
        "MERGE INTO employees t USING orders s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id)",
      ),
    ).toEqual(["employees.*"]);
  });
});

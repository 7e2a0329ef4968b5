import { describe, expect, it } from "vitest";
import { parseMySql } from "../src/parse";

/** The unscoped writes MySQL facts report for `sql` (one statement), as `KIND table`. */
function unscoped(sql: string): string[] {
  const parsed = parseMySql(sql);
  if (!parsed.ok || parsed.statements.length !== 1) throw new Error(`not one statement: ${sql}`);
  return (parsed.statements[0]?.unscopedWrites ?? []).map((write) => `${write.kind} ${write.table.name}`);
}

describe("MySQL scoped writes: a WHERE counts only in a shape that limits the target's rows", () => {
  it.each([
    "DELETE FROM departments",
    "DELETE FROM departments WHERE 1",
    "DELETE FROM departments WHERE TRUE",
    "DELETE FROM departments WHERE id",
    "DELETE FROM departments WHERE NOT NOT id",
    "DELETE FROM departments WHERE 'a' = 'a'",
    "DELETE FROM departments WHERE id = id",
    "DELETE FROM departments WHERE id = (id)",
    "DELETE FROM departments WHERE id = id + 0",
    "DELETE FROM departments WHERE (id, name) = (id, name)",
    "DELETE FROM departments WHERE id IN (id)",
    "DELETE FROM departments WHERE id IN (1, id)",
    "DELETE FROM departments WHERE id BETWEEN id AND id",
    "DELETE FROM departments WHERE id = 1 OR 1",
    "DELETE FROM departments WHERE id = 1 || 1",
    "DELETE FROM departments WHERE id = 1 XOR 1",
    "DELETE FROM departments WHERE id < 5 OR id >= 5",
    "DELETE FROM departments WHERE id LIKE '%'",
    "DELETE FROM departments WHERE name LIKE '%_%'",
    "DELETE FROM departments WHERE name IS NOT NULL",
    "DELETE FROM departments WHERE NOT (id IS NULL)",
    // NOT and `!` as the server groups them: `!` binds tighter than `=` (`(!id) = 0`, every
    // non-zero id), NOT looser; `NOT (id) = 5` is the server's `NOT ((id) = 5)` but the grammar's
    // `NOT(id) = 5`, so the call is not judged as NOT there; a backquoted or qualified `not(…)` is a
    // stored function; `NOT (a, b)` negates a row.
    "DELETE FROM departments WHERE ! id = 0",
    "DELETE FROM departments WHERE ! id <> 1",
    "DELETE FROM departments WHERE !id IN (0)",
    "DELETE FROM departments WHERE NOT (id) = 5",
    "DELETE FROM departments WHERE NOT (id) IN (1, 2)",
    "DELETE FROM departments WHERE `not`(id <> 1)",
    "DELETE FROM departments WHERE shop.not(id <> 1)",
    "DELETE FROM departments WHERE NOT (id, 1)",
    "DELETE FROM departments WHERE NOT (id <> 1) OR 1",
    "DELETE FROM departments WHERE NOT (id < 1 AND id > 2)",
    "DELETE FROM departments WHERE id IS TRUE",
    "DELETE FROM departments WHERE id IN (SELECT id FROM departments)",
    "DELETE FROM departments WHERE id IN (SELECT x.id FROM (SELECT id FROM departments) x)",
    "DELETE FROM departments WHERE id IN (SELECT x.id FROM shop.departments x)",
    "DELETE FROM departments WHERE id = (SELECT max(e.id) FROM employees e WHERE e.id = id)",
    "DELETE FROM departments d WHERE d.id = d.id",
    "UPDATE departments SET name = 'x' WHERE TRUE",
    "UPDATE departments SET name = 'x' WHERE name = name",
    "TRUNCATE departments",
    "TRUNCATE TABLE departments",
    // review9: the server binds AND, NOT and comparisons tighter than || and XOR, the grammar looser.
    "DELETE FROM departments WHERE id = 1 && 0 || 1",
    "DELETE FROM departments WHERE id = 1 AND 0 || 1",
    "DELETE FROM departments WHERE id = 1 AND 0 XOR 1",
    "DELETE FROM departments WHERE id = 1 AND id = 2 || id <> 0",
    "DELETE FROM departments WHERE NOT id <> 1 || 1",
    "DELETE FROM departments WHERE id = 1 AND (id = 2 AND 0 || 1)",
    // Scoped upstream, but the tree reads `id = (1 || id) = 2`: refused, as before (write OR).
    "DELETE FROM departments WHERE id = 1 || id = 2",
    "DELETE FROM departments WHERE id IN (1) AND 0 || 1 AND id = 2",
    "UPDATE departments SET name = 'x' WHERE id = 1 && 0 || 1",
    // An alias hides the table's name: departments.id is no column of `d`.
    "DELETE FROM departments d WHERE departments.id = 1",
  ])("%s is unscoped", (sql) => {
    expect(unscoped(sql)).toEqual([expect.stringMatching(/^(DELETE|UPDATE) departments$/)]);
  });

  it.each([
    "DELETE FROM departments WHERE id = 42",
    "DELETE FROM departments WHERE 42 = id",
    "DELETE FROM departments WHERE departments.id = 42",
    "DELETE FROM departments d WHERE d.id = 42",
    "DELETE FROM departments WHERE id = ?",
    "DELETE FROM departments WHERE id IN (1, 2)",
    "DELETE FROM departments WHERE id BETWEEN 1 AND 3",
    "DELETE FROM departments WHERE id <> -1",
    "DELETE FROM departments WHERE name LIKE 'a%'",
    "DELETE FROM departments WHERE name IS NULL",
    "DELETE FROM departments WHERE id = 1 OR id = 2",
    "DELETE FROM departments WHERE id = 1 AND 1",
    "DELETE FROM departments WHERE id IN (SELECT e.id FROM employees e WHERE e.salary > 100)",
    "UPDATE departments SET name = 'x' WHERE id = 1",
    "DELETE FROM departments WHERE id = 1 AND (0 || 1)",
    "DELETE FROM departments WHERE id = 1 AND (0 XOR 1)",
    // NOT (…) negates what it holds, as NOT x and !(…) do.
    "DELETE FROM departments WHERE NOT (id <> 1)",
    "DELETE FROM departments WHERE not(id <> 1)",
    "DELETE FROM departments WHERE NOT NOT (id = 1)",
    "DELETE FROM departments WHERE NOT (id <> 1 AND id <> 2)",
    // As `id <> 1 AND id <> 2`, which limits as `id <> -1` does (docs/policy.md, Scoped writes).
    "DELETE FROM departments WHERE NOT (id = 1 OR id = 2)",
    "DELETE FROM departments WHERE NOT (id NOT IN (1, 2))",
    "DELETE FROM departments WHERE NOT (id <> 1) AND name = 'x'",
    "DELETE FROM departments WHERE !(id <> 1)",
    "DELETE FROM departments WHERE ! (id <> 1) OR NOT (id <> 2)",
    "UPDATE departments SET name = 'x' WHERE NOT (id <> 1)",
    // A subquery's parentheses delimit its own condition.
    "DELETE FROM departments WHERE id = 1 AND id IN (SELECT e.id FROM employees e WHERE e.a || e.b)",
  ])("%s is scoped", (sql) => {
    expect(unscoped(sql)).toEqual([]);
  });

  it("judges each table of a multi-table write by columns qualified with its own name", () => {
    expect(unscoped("UPDATE departments d, employees e SET d.name = 'x' WHERE e.id = 1")).toEqual([
      "UPDATE departments",
    ]);
    expect(
      unscoped("UPDATE departments d, employees e SET d.name = 'x' WHERE d.id = 1 AND e.id = 1"),
    ).toEqual([]);
    // A bare column of a join may be either table's.
    expect(unscoped("DELETE d FROM departments d JOIN employees e ON d.id = e.id WHERE id = 1")).toEqual([
      "DELETE departments",
    ]);
    expect(unscoped("DELETE d FROM departments d JOIN employees e ON d.id = e.id WHERE d.id = 1")).toEqual(
      [],
    );
  });

  it("reads a qualifier as the server does: an alias hides the name it shares (review9)", () => {
    // employees.id is the departments alias: every employee goes.
    expect(unscoped("DELETE e FROM employees e, departments employees WHERE employees.id = 1")).toEqual([
      "DELETE employees",
    ]);
    expect(
      unscoped("UPDATE employees e, departments employees SET e.name = 'x' WHERE employees.id = 1"),
    ).toEqual(["UPDATE employees"]);
    expect(unscoped("DELETE e FROM employees e, departments employees WHERE e.id = 1")).toEqual([]);
  });
});

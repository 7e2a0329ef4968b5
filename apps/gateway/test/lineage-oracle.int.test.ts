import { readColumnCatalog } from "@sluice/db/upstream/column-catalog";
import { catalogSnapshot } from "@sluice/policy/column-catalog";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { testConnectionRecord } from "@sluice/session/testing";
import { loadParser } from "@sluice/sql/parser";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../test/mulberry32";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * The server as the oracle for lineage: a generated corpus of statements (aliases with and without
 * column lists, joins and join aliases, subqueries, CTEs, LATERAL, attribute notation, whole rows,
 * `*`, set operations) is judged by the real decision point against the upstream's real catalog,
 * then run on the upstream. Sluice may mask too much, never too little: no output it calls clean
 * holds a masked value, every statement the server reads salary for is sent to review (pg_depend of
 * a temp view of it), and no write it lets through copies a masked value.
 */
let harness: Harness;
let direct: pg.Client;
let session: SessionDecisions;

const SSNS = Array.from({ length: 12 }, (_, i) => `9${String(i).padStart(2, "0")}-71-${4000 + i}`);
const EMAILS = Array.from({ length: 12 }, (_, i) => `secret${i}.person@masked.test`);
const SALARIES = Array.from({ length: 12 }, (_, i) => `${765_432 + i * 11}.25`);
const MASKED_VALUES = [...SSNS, ...EMAILS];

const POLICY: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [],
  reviews: [
    { name: "salary-reads", match: { columns: ["public.employees.salary"] }, reviewerGroups: ["finance"] },
  ],
  masking: ["ssn", "email"].map((column) => ({
    name: column,
    selector: `public.customers.${column}`,
    detector: null,
    strategy: "REDACT" as const,
    keepLast: null,
    exemptGroups: [],
  })),
};

beforeAll(async () => {
  await loadParser();
  harness = await startHarness();
  direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`
    CREATE TABLE customers (id int PRIMARY KEY, first_name text, last_name text, email text, ssn text);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total int);
    CREATE TABLE employees (id int PRIMARY KEY, first_name text, salary numeric(10,2));`);
  for (let i = 0; i < 12; i++) {
    await direct.query("INSERT INTO customers VALUES ($1, $2, $3, $4, $5)", [
      i + 1,
      `First${i}`,
      `Last${i}`,
      EMAILS[i],
      SSNS[i],
    ]);
    await direct.query("INSERT INTO orders VALUES ($1, $1, $2)", [i + 1, (i + 1) * 10]);
    await direct.query("INSERT INTO employees VALUES ($1, $2, $3)", [i + 1, `Emp${i}`, SALARIES[i]]);
  }
  const url = new URL(harness.directUrl);
  const snapshot = catalogSnapshot(
    await readColumnCatalog(
      testConnectionRecord({
        connectionId: "oracle",
        name: "oracle",
        host: url.hostname,
        port: Number(url.port),
        database: url.pathname.slice(1),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        allowedGroups: [],
      }),
    ).then((read) => read.columns),
  );
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => POLICY, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => decodeURIComponent(url.username),
  });
  session = point.openSession(
    {
      agentId: "a",
      agentName: "agent",
      groups: [],
      connectionId: "c",
      connectionName: "shop",
      sessionId: "s",
    },
    {
      login: decodeURIComponent(url.username),
      columns: { current: () => snapshot, refresh: async () => snapshot },
    },
  );
});
afterAll(async () => {
  await direct?.end();
  await harness?.stop();
});

/** A small deterministic generator (mulberry32), so a failure names a statement that stays put. */
function randomFrom(seed: number) {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;
  return { pick, chance, next };
}

type From = { sql: string; refname: string; columns: string[]; wholeRowOk: boolean };

const TABLES: Record<string, string[]> = {
  customers: ["id", "first_name", "last_name", "email", "ssn"],
  orders: ["id", "customer_id", "total"],
  employees: ["id", "first_name", "salary"],
};
const ALIAS_NAMES = ["a", "b", "x", "y", "s", "e", "ssn", "email", "first_name", "id", "total"];
const FUNCTIONS = ["to_jsonb", "to_json", "row_to_json", "quote_literal", "quote_nullable"];

function generator(seed: number) {
  const r = randomFrom(seed);
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;

  /** An alias column list: some leading names, possibly fewer than the columns. */
  const aliasList = (columns: string[]): string[] | null => {
    if (!r.chance(0.5)) return null;
    const count = 1 + Math.floor(r.next() * columns.length);
    const names: string[] = [];
    while (names.length < count) {
      const name = r.pick(ALIAS_NAMES);
      if (!names.includes(name)) names.push(name);
    }
    return names;
  };
  const renamed = (columns: string[], names: string[] | null) =>
    columns.map((column, i) => names?.[i] ?? column);

  const table = (): From => {
    const name = r.pick(Object.keys(TABLES));
    const ref = r.chance(0.8) ? fresh("t") : name;
    const names = ref === name ? null : aliasList(TABLES[name] as string[]);
    return {
      sql: `${name}${ref === name ? "" : ` AS ${ref}`}${names ? `(${names.join(", ")})` : ""}`,
      refname: ref,
      columns: renamed(TABLES[name] as string[], names),
      wholeRowOk: true,
    };
  };

  const subquery = (depth: number): From => {
    const inner = query(depth + 1);
    const ref = fresh("q");
    const names = aliasList(inner.columns);
    return {
      sql: `(${inner.sql}) AS ${ref}${names ? `(${names.join(", ")})` : ""}`,
      refname: ref,
      columns: renamed(inner.columns, names),
      wholeRowOk: true,
    };
  };

  const join = (depth: number): From => {
    const left = fromItem(depth + 1, false);
    const right = fromItem(depth + 1, false);
    const kind = r.pick(["on", "using", "natural", "cross"]);
    const common = left.columns.filter((c) => right.columns.includes(c));
    let sql = `${left.sql} JOIN ${right.sql} ON true`;
    let columns = [...left.columns, ...right.columns];
    if (kind === "using" && common.length > 0) {
      const by = r.pick(common);
      sql = `${left.sql} JOIN ${right.sql} USING (${by})`;
      columns = [by, ...left.columns.filter((c) => c !== by), ...right.columns.filter((c) => c !== by)];
    } else if (kind === "natural") {
      sql = `${left.sql} NATURAL JOIN ${right.sql}`;
      columns = [
        ...common,
        ...left.columns.filter((c) => !common.includes(c)),
        ...right.columns.filter((c) => !common.includes(c)),
      ];
    } else if (kind === "on") {
      sql = `${left.sql} JOIN ${right.sql} ON ${left.refname}.${left.columns[0]} = ${right.refname}.${right.columns[0]}`;
    }
    if (r.chance(0.5)) {
      const ref = fresh("j");
      const names = aliasList(columns);
      return {
        sql: `(${sql}) AS ${ref}${names ? `(${names.join(", ")})` : ""}`,
        refname: ref,
        columns: renamed(columns, names),
        wholeRowOk: true,
      };
    }
    // Unaliased: the inner names stay visible; expressions pick one side.
    return { ...r.pick([left, right]), sql };
  };

  const fromItem = (depth: number, allowJoin = true): From => {
    const choice = r.next();
    if (depth < 2 && allowJoin && choice < 0.3) return join(depth);
    if (depth < 2 && choice < 0.55) return subquery(depth);
    return table();
  };

  /** An expression over a FROM item: its columns, attribute notation, whole rows, subqueries. */
  const expression = (item: From): string => {
    const column = r.pick(item.columns);
    const fn = r.pick(FUNCTIONS);
    return r.pick([
      `${item.refname}.${column}`,
      `${column}`,
      `${item.refname}.${column}::text || ''`,
      `${item.refname}.${fn}`,
      `(${item.refname}).${fn}`,
      `${fn}(${item.refname})`,
      `${item.refname}::text`,
      `format('%s', ${item.refname}.*)`,
      `(SELECT ${item.refname}.${column})`,
      `'k'`,
      `count(*) OVER ()`,
    ]);
  };

  function query(depth: number): { sql: string; columns: string[] } {
    const ctes: string[] = [];
    let item = fromItem(depth);
    if (depth === 0 && r.chance(0.2)) {
      const inner = query(depth + 1);
      ctes.push(`WITH w AS (${inner.sql}) `);
      item = { sql: "w", refname: "w", columns: inner.columns, wholeRowOk: true };
    }
    let from = item.sql;
    if (r.chance(0.15)) {
      const lateral = fresh("l");
      from += `, LATERAL (SELECT ${expression(item)} AS v) AS ${lateral}`;
    }
    const width = 1 + Math.floor(r.next() * 3);
    const columns: string[] = [];
    const targets: string[] = [];
    if (r.chance(0.1)) {
      targets.push(`${item.refname}.*`);
      columns.push(...item.columns);
    }
    for (let i = columns.length; i < width; i++) {
      const name = `o${i}`;
      targets.push(`${expression(item)} AS ${name}`);
      columns.push(name);
    }
    let sql = `${ctes.join("")}SELECT ${targets.join(", ")} FROM ${from}`;
    if (depth === 0 && r.chance(0.15)) {
      const other = query(depth + 1);
      if (other.columns.length === columns.length) sql = `${sql} UNION ALL ${other.sql}`;
    }
    return { sql, columns };
  }

  /** An UPDATE of customers (no alias list there) setting first_name from an expression over the row. */
  const update = (): string => {
    const ref = fresh("c");
    const item = { sql: "", refname: ref, columns: TABLES["customers"] as string[], wholeRowOk: true };
    return `UPDATE customers AS ${ref} SET first_name = (${expression(item)})::text WHERE ${ref}.id = 1`;
  };

  return { statement: () => query(0).sql, update };
}

const isReview = (verdict: Verdict) =>
  verdict.kind === "deny" && /review rule "salary-reads"/.test(verdict.message);

/** Tables and columns a statement's temp view depends on (refobjsubid 0: the whole relation). */
async function serverReads(sql: string): Promise<Set<string> | null> {
  await direct.query("BEGIN");
  try {
    await direct.query(`CREATE TEMP VIEW lineage_probe AS ${sql}`);
    const { rows } = await direct.query<{ relname: string; attname: string | null }>(`
      SELECT c.relname, a.attname
      FROM pg_depend d
      JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
      JOIN pg_class c ON c.oid = d.refobjid
      LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
      WHERE w.ev_class = 'lineage_probe'::regclass AND d.refclassid = 'pg_class'::regclass`);
    return new Set(rows.map((row) => `${row.relname}.${row.attname ?? "*"}`));
  } catch {
    return null;
  } finally {
    await direct.query("ROLLBACK");
  }
}

/** The statement's rows as the server's text, or null when the server refuses it. */
async function serverRows(sql: string): Promise<string[][] | null> {
  try {
    const result = await direct.query({
      text: sql,
      rowMode: "array",
      types: { getTypeParser: () => (v: string) => v },
    });
    return result.rows as string[][];
  } catch {
    return null;
  }
}

const holdsMasked = (value: string | null) =>
  value !== null && MASKED_VALUES.some((masked) => value.includes(masked));

describe("lineage against the server", () => {
  it("never calls an output clean that holds a masked value, nor skips review of a salary read", async () => {
    const { statement } = generator(20261203);
    let judged = 0;
    let maskedOutputs = 0;
    let salaryReads = 0;
    let cleanOutputs = 0;
    for (let attempt = 0; attempt < 900 && judged < 400; attempt++) {
      const sql = statement();
      const rows = await serverRows(sql);
      if (rows === null) continue;
      judged++;
      const verdict = await session.decide({ sql, via: "simple", isUpstreamSettled: false });
      const reads = await serverReads(sql);
      if (reads?.has("employees.salary")) {
        salaryReads++;
        expect(isReview(verdict), `${sql} reads salary with no review`).toBe(true);
      }
      if (verdict.kind !== "allow") continue;
      const clean = verdict.cleanOutputs ?? [];
      for (const row of rows) {
        row.forEach((value, i) => {
          if (!holdsMasked(value)) return;
          maskedOutputs++;
          expect(clean[i] === true, `${sql}: output ${i + 1} holds ${value} but was called clean`).toBe(
            false,
          );
        });
      }
      cleanOutputs += clean.filter(Boolean).length;
    }
    // The corpus must exercise what it checks: valid statements, masked values and salary reads among them.
    expect(judged).toBeGreaterThanOrEqual(250);
    expect(maskedOutputs).toBeGreaterThan(50);
    expect(salaryReads).toBeGreaterThan(20);
    // And lineage still proves clean outputs clean (it does not mask everything).
    expect(cleanOutputs).toBeGreaterThan(50);
  });

  it("never lets a write copy a masked value the server would read", async () => {
    const { update } = generator(4242);
    let judged = 0;
    let copies = 0;
    for (let attempt = 0; attempt < 400 && judged < 150; attempt++) {
      const sql = update();
      let written: string | null = null;
      await direct.query("BEGIN");
      try {
        const result = await direct.query<{ first_name: string }>(`${sql} RETURNING first_name`);
        written = result.rows[0]?.first_name ?? null;
      } catch {
        continue;
      } finally {
        await direct.query("ROLLBACK");
      }
      judged++;
      const verdict = await session.decide({ sql, via: "simple", isUpstreamSettled: false });
      if (holdsMasked(written)) {
        copies++;
        expect(verdict.kind, `${sql} copies ${written}`).toBe("deny");
      }
    }
    expect(judged).toBeGreaterThanOrEqual(60);
    expect(copies).toBeGreaterThan(10);
  });
});

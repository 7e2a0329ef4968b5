/**
 * Measures the candidate MySQL parsers on the committed corpus (fixtures/mysql-corpus.json): how many
 * statements each parses, and — where the parser reports tables — how many statements' tables match
 * what the server reads. The table in docs/mysql.md and the README's decision list come from this.
 *
 *   pnpm exec tsx packages/mysql-sql/scripts/measure-parsers.ts
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as sqlparserTs from "@guanmingchiu/sqlparser-ts";
import { MySQL as DtMySql } from "dt-sql-parser";
import nodeSqlParser from "node-sql-parser/build/mariadb.js";
import { parse as parseCst } from "sql-parser-cst";
import { parseMySql } from "../src/parse";

type CorpusEntry = { category: string; sql: string; tables: string[] | null };

const corpus = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../fixtures/mysql-corpus.json"), "utf8"),
) as CorpusEntry[];

type Candidate = {
  name: string;
  parses: (sql: string) => boolean;
  /** Tables as `db.name` or `name`, lower-cased; absent when the parser does not report them. */
  tables?: (sql: string) => string[] | null;
};

await sqlparserTs.init();
const { Parser } = nodeSqlParser as unknown as { Parser: new () => NodeSqlParser };
type NodeSqlParser = {
  astify: (sql: string, options: object) => unknown;
  tableList: (sql: string, options: object) => string[];
};
const nsp = new Parser();
const dt = new DtMySql();

const attempt = (parse: () => unknown): boolean => {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
};

const candidates: Candidate[] = [
  {
    name: "node-sql-parser 5.4.0 (MariaDB grammar)",
    parses: (sql) => attempt(() => nsp.astify(sql, { database: "MariaDB" })),
    tables: (sql) => {
      try {
        return nsp.tableList(sql, { database: "MariaDB" }).map((entry) => {
          const [, db, name] = entry.split("::");
          return (db === "null" ? name : `${db}.${name}`)?.toLowerCase() ?? "";
        });
      } catch {
        return null;
      }
    },
  },
  {
    name: "@guanmingchiu/sqlparser-ts 0.62.0 (MySQL dialect)",
    parses: (sql) => attempt(() => sqlparserTs.parse(sql, "mysql")),
  },
  {
    name: "sql-parser-cst 0.42.1 (mysql)",
    parses: (sql) => attempt(() => parseCst(sql, { dialect: "mysql" })),
  },
  {
    name: "sql-parser-cst 0.42.1 (mariadb)",
    parses: (sql) => attempt(() => parseCst(sql, { dialect: "mariadb" })),
  },
  {
    name: "dt-sql-parser 4.5.1 (MySQL, ANTLR)",
    parses: (sql) => dt.validate(sql).length === 0,
  },
  {
    name: "Sluice mysql-sql (node-sql-parser + refusals)",
    parses: (sql) => parseMySql(sql).ok,
    tables: (sql) => {
      const parsed = parseMySql(sql);
      if (!parsed.ok) return null;
      return parsed.statements.flatMap((facts) =>
        [...facts.tablesRead, ...facts.tablesWritten].map((t) =>
          (t.schema === null ? t.name : `${t.schema}.${t.name}`).toLowerCase(),
        ),
      );
    },
  },
];

const sameSet = (a: string[], b: string[]) => {
  const left = new Set(a);
  const right = new Set(b.map((name) => name.toLowerCase()));
  return left.size === right.size && [...left].every((name) => right.has(name));
};

console.log(
  `corpus: ${corpus.length} statements, ${corpus.filter((e) => e.tables).length} with tables scored\n`,
);
console.log("| Parser | Parsed | Tables right (of parsed, scored) | Tables wrong | µs per statement |");
console.log("| --- | --- | --- | --- | --- |");
for (const candidate of candidates) {
  const started = process.hrtime.bigint();
  for (const entry of corpus) candidate.parses(entry.sql);
  const micros = Number(process.hrtime.bigint() - started) / 1000 / corpus.length;
  const failed = new Map<string, number>();
  let parsed = 0;
  let right = 0;
  let scored = 0;
  const wrong: string[] = [];
  for (const entry of corpus) {
    if (!candidate.parses(entry.sql)) {
      failed.set(entry.category, (failed.get(entry.category) ?? 0) + 1);
      continue;
    }
    parsed += 1;
    if (!candidate.tables || entry.tables === null) continue;
    const tables = candidate.tables(entry.sql);
    if (tables === null) continue;
    scored += 1;
    if (sameSet(tables, entry.tables)) right += 1;
    else wrong.push(entry.sql.slice(0, 50));
  }
  const tables = candidate.tables ? `${right}/${scored}` : "not reported";
  console.log(
    `| ${candidate.name} | ${parsed}/${corpus.length} | ${tables} | ${wrong.length} | ${micros.toFixed(0)} |`,
  );
  if (process.argv.includes("--verbose"))
    console.log(`    not parsed by category: ${JSON.stringify(Object.fromEntries(failed))}`);
  if (process.argv.includes("--verbose")) for (const sql of wrong) console.log(`    wrong: ${sql}`);
}

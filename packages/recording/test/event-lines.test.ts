import {
  encodeEvent,
  encodeStatementLine,
  encodeVerdictLine,
  STATEMENT_LINE_TAIL,
  statementLineHead,
  TablesJson,
} from "@sluice/recording/events";
import { SessionRecorder } from "@sluice/recording/session-recorder";
import { describe, expect, it } from "vitest";
import { STATEMENT, WireLog } from "../src/wire-log";

describe("the per-statement lines written without an event object", () => {
  it.each([
    "SELECT 1",
    `SELECT 'it''s', "quoted" FROM t WHERE a = '\\' -- tail`,
    "SELECT 'line\nbreak\ttab\u0001 ü 😀 \u2028'",
  ])("a statement line is the event's own encoding: %j", (sql) => {
    for (const t of [0, 12, 1234.5]) {
      expect(encodeStatementLine(t, 7, sql)).toBe(encodeEvent({ t, type: "statement", n: 7, sql }));
    }
  });

  it.each([
    { t: 3, type: "verdict" as const, n: 1, kind: "allow" as const },
    { t: 3.25, type: "verdict" as const, n: 2, kind: "allow" as const, message: "approved by ann" },
    { t: 3, type: "verdict" as const, n: 3, kind: "allow" as const, maskedTables: ["public.customers"] },
    {
      t: 3,
      type: "verdict" as const,
      n: 3,
      kind: "allow" as const,
      maskedTables: ["public.customers", 'odd"schema.t\u2028'],
    },
    { t: 3, type: "verdict" as const, n: 4, kind: "deny" as const, rule: "no-drop", message: 'no "DROP"' },
    { t: 3, type: "verdict" as const, n: 5, kind: "hold" as const, rule: "review-writes" },
    {
      t: 3,
      type: "verdict" as const,
      n: 6,
      kind: "hold" as const,
      rule: "salary-reads",
      message: "held for review",
      maskedTables: ["public.employees"],
    },
  ])("a verdict line is the event's own encoding: $kind $n", (event) => {
    const { t, n, kind, rule, message, maskedTables } = event as typeof event & {
      rule?: string;
      message?: string;
      maskedTables?: string[];
    };
    expect(encodeVerdictLine(t, n, { kind, rule, message }, maskedTables)).toBe(encodeEvent(event));
  });

  it("writes every number as JSON.stringify does, without calling it (load9)", () => {
    const numbers = [0, -0, 7, 1234.5, 2 ** 53 + 2, 1e21, 1e-7, -3, Number.NaN, Infinity, -Infinity];
    for (const t of numbers) {
      for (const n of numbers) {
        expect(encodeStatementLine(t, n, "SELECT 1")).toBe(
          encodeEvent({ t, type: "statement", n, sql: "SELECT 1" }),
        );
        expect(encodeVerdictLine(t, n, { kind: "allow" })).toBe(
          encodeEvent({ t, type: "verdict", n, kind: "allow" }),
        );
      }
    }
  });

  it("writes a kind it does not expect through JSON.stringify", () => {
    for (const kind of ["toString", 'odd"kind', "__proto__"]) {
      const verdict = { kind } as unknown as { kind: "allow" };
      expect(encodeVerdictLine(1, 2, verdict)).toBe(
        encodeEvent({ t: 1, type: "verdict", n: 2, kind: verdict.kind }),
      );
    }
  });

  it("remembers the last table list by its names, never by the list object alone (load9)", () => {
    const tables = new TablesJson();
    const line = (list: string[]) => encodeVerdictLine(1, 2, { kind: "allow" }, list, tables);
    const expected = (list: string[]) =>
      encodeEvent({ t: 1, type: "verdict", n: 2, kind: "allow", maskedTables: [...list] });
    const list = ["public.customers"];
    expect(line(list)).toBe(expected(list));
    expect(line(list)).toBe(expected(list));
    // The same list object, changed since: its new names are written, not the remembered ones.
    list[0] = "public.employees";
    expect(line(list)).toBe(expected(list));
    list.push('odd"schema.t\u2028');
    expect(line(list)).toBe(expected(list));
    expect(line(["public.employees"])).toBe(expected(["public.employees"]));
    expect(line([])).toBe(expected([]));
    // Lists in a seeded mix of repeats and changes, each line as the event's own encoding.
    const names = ["a.x", "b.y", "c.z", 'q"u.o\u0001te'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 500; i += 1) {
      const random = Array.from({ length: next() % 3 }, () => names[next() % names.length] as string);
      expect(line(random)).toBe(expected(random));
    }
  });
});

describe("a statement line copied without JSON.stringify (cpu11s)", () => {
  const head = statementLineHead("12", "7");
  /** The bytes `WireLog.text` keeps for the joined line, and those `textWithString` keeps. */
  const bothWays = (text: string) => {
    const joined = new WireLog();
    joined.text(STATEMENT, 12, `${head}${JSON.stringify(text)}${STATEMENT_LINE_TAIL}`);
    const pieces = new WireLog();
    pieces.textWithString(STATEMENT, 12, head, text, STATEMENT_LINE_TAIL);
    const taken = (log: WireLog) => {
      const entries: string[] = [];
      log.take((kind, t, bytes, start, end) =>
        entries.push(`${kind} ${t} ${bytes.toString("hex", start, end)}`),
      );
      return entries;
    };
    return { expected: taken(joined), actual: taken(pieces) };
  };

  it("keeps the joined line's bytes for every character up to U+00FF and beyond", () => {
    for (let code = 0; code <= 0x100; code += 1) {
      const char = String.fromCharCode(code);
      const { expected, actual } = bothWays(`SELECT ${char} FROM t WHERE aid = 4${char}`);
      expect(actual, `U+${code.toString(16)}`).toEqual(expected);
    }
  });

  it.each([
    "",
    "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;",
    'SELECT "quoted" FROM t',
    "SELECT '\\' FROM t",
    "SELECT 1\n",
    "SELECT 'ü 😀 \u2028'",
    "SELECT '\uD800'",
    "x".repeat(70_000),
  ])("keeps the joined line's bytes: %j", (text) => {
    const { expected, actual } = bothWays(text.slice(0, 80_000));
    expect(actual).toEqual(expected);
  });

  it("is the statement event's own encoding through the recorder", () => {
    const recorder = new SessionRecorder({
      resultBytesCap: 1024,
      redactLiterals: (sql) => sql,
      clock: () => 5,
    });
    const statements = ["SELECT 1", 'SELECT "a\\b"', "SELECT abalance FROM t WHERE aid = 9;", "SELECT 'é'"];
    for (const sql of statements) recorder.verdict(sql, { kind: "allow" }, false);
    const lines = recorder.drain().trim().split("\n");
    expect(lines.filter((line) => line.includes('"type":"statement"'))).toEqual(
      statements.map((sql, index) => encodeEvent({ t: 0, type: "statement", n: index + 1, sql })),
    );
  });
});

describe("a line kept by the wire log (cpu11s)", () => {
  it.each([
    "",
    '{"t":1,"type":"verdict","n":2,"kind":"allow"}',
    '{"message":"ü 😀 \\u2028 \u2028 \u0001"}',
    "\uD800 lone, \uDFFF lone",
    "é".repeat(40_000),
  ])("is the line's UTF-8, as Buffer.from writes it: %#", (line) => {
    const log = new WireLog();
    log.text(STATEMENT, 3, line);
    const kept: Buffer[] = [];
    log.take((_kind, _t, bytes, start, end) => kept.push(Buffer.from(bytes.subarray(start, end))));
    expect(kept).toEqual([Buffer.from(line, "utf8")]);
  });
});

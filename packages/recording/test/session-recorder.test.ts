import { redactLiterals as mysqlLiterals } from "@sluice/mysql-sql/server-lexing";
import { loadParser } from "@sluice/sql/parser";
import { redactLiterals } from "@sluice/sql/redact-literals";
import { dataRowBody, rowDescriptionBody } from "@sluice/wire/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { toAsciicast } from "../src/asciicast";
import { encodeEvent, parseEvents } from "../src/events";
import { renderFrames } from "../src/render-terminal";
import { SessionRecorder } from "../src/session-recorder";

function rowDescription(names: string[], format = 0): Buffer {
  return rowDescriptionBody(names.map((name) => ({ name, type: 25, format })));
}

const dataRow = dataRowBody;

const tag = (text: string) => Buffer.from(`${text}\0`);
const errorBody = (message: string) => Buffer.from(`SERROR\0VERROR\0C42501\0M${message}\0\0`);

beforeAll(() => loadParser());

describe("session recorder", () => {
  it("records statements, verdicts and results as the client received them", () => {
    let now = 1000;
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals, clock: () => now });
    recorder.connect({
      agent: "bot",
      groups: ["analysts"],
      connection: "shop",
      clientAddress: "127.0.0.1",
      isTls: true,
    });
    now = 1010;
    recorder.verdict(
      "SELECT name, ssn FROM customers",
      { kind: "allow", maskedTables: ["public.customers", "public.customers"] },
      false,
    );
    recorder.toClient(0x54, rowDescription(["name", "ssn"]));
    recorder.toClient(0x44, dataRow(["Ada", "[REDACTED]"]));
    recorder.toClient(0x44, dataRow(["Bo", null]));
    recorder.toClient(0x43, tag("SELECT 2"));
    recorder.toClient(0x5a, Buffer.from("I"));
    recorder.verdict(
      "DELETE FROM orders",
      { kind: "deny", rule: "no-unscoped-delete", message: "no WHERE" },
      false,
    );
    recorder.toClient(0x45, errorBody("blocked by guardrail"));
    recorder.end("client terminated the session");
    const events = parseEvents(recorder.drain());
    expect(events.map((event) => event.type)).toEqual([
      "connect",
      "statement",
      "verdict",
      "columns",
      "row",
      "row",
      "complete",
      "ready",
      "statement",
      "verdict",
      "error",
      "end",
    ]);
    expect(events[2]).toMatchObject({ t: 10, kind: "allow", maskedTables: ["public.customers"] });
    expect(events[4]).toMatchObject({ values: ["Ada", "[REDACTED]"] });
    expect(events[6]).toMatchObject({ tag: "SELECT 2", rows: 2, truncatedRows: 0 });
    expect(events[10]).toMatchObject({ code: "42501", message: "blocked by guardrail" });
    expect(recorder.hasPending).toBe(false);
  });

  it("writes each line's own t and n where reads and statements share or change them (cpu11s)", () => {
    let now = 0;
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals, clock: () => now });
    const expected: string[] = [];
    // A result in one read, a result split over reads at other moments, a moment shared by two
    // statements, and clock readings that go back to an earlier value.
    for (const [step, split] of [
      [0, false],
      [5, true],
      [0, false],
      [0, true],
      [12.5, false],
      [-12.5, true],
    ] as const) {
      now += step;
      recorder.verdict("SELECT a FROM t", { kind: "allow" }, false);
      const n = expected.filter((line) => line.includes('"type":"statement"')).length + 1;
      expected.push(
        encodeEvent({ t: now, type: "statement", n, sql: "SELECT a FROM t" }),
        encodeEvent({ t: now, type: "verdict", n, kind: "allow" }),
      );
      const messages: [number, Buffer][] = [
        [0x54, rowDescription(["a"])],
        [0x44, dataRow([String(n)])],
        [0x43, tag("SELECT 1")],
        [0x5a, Buffer.from("I")],
      ];
      for (const [index, [type, body]] of messages.entries()) {
        if (split && index > 0) now += 1;
        recorder.toClient(type, body);
        if (type === 0x54) expected.push(encodeEvent({ t: now, type: "columns", n, names: ["a"] }));
        if (type === 0x44) expected.push(encodeEvent({ t: now, type: "row", n, values: [String(n)] }));
        if (type === 0x43)
          expected.push(
            encodeEvent({ t: now, type: "complete", n, tag: "SELECT 1", rows: 1, truncatedRows: 0 }),
          );
        if (type === 0x5a) expected.push(encodeEvent({ t: now, type: "ready", n }));
      }
    }
    expect(recorder.drain().trim().split("\n")).toEqual(expected);
  });

  it("records each result's columns and formats, a RowDescription repeated or not", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals, clock: () => 5 });
    const results: Array<[names: string[], format: number]> = [
      [["id", 'naïve "name"'], 0],
      [["id", 'naïve "name"'], 0],
      [["id", 'naïve "name"'], 1],
      [["other"], 0],
      [["id", 'naïve "name"'], 0],
    ];
    for (const [names, format] of results) {
      recorder.verdict("SELECT 1", { kind: "allow" }, false);
      recorder.toClient(0x54, rowDescription(names, format));
      recorder.toClient(0x44, dataRow(names.map(() => "ab")));
      recorder.toClient(0x43, tag("SELECT 1"));
    }
    const lines = recorder.drain().split("\n");
    const columns = lines.filter((line) => line.includes('"type":"columns"'));
    expect(columns).toEqual(
      results.map(([names], i) => encodeEvent({ t: 0, type: "columns", n: i + 1, names })),
    );
    const rows = parseEvents(lines.join("\n")).filter((event) => event.type === "row");
    // The binary result's values are hex, the text results' as they are: each by its own formats.
    expect(rows.map((row) => (row.type === "row" ? row.values[0] : null))).toEqual([
      "ab",
      "ab",
      "\\x6162",
      "ab",
      "ab",
    ]);
  });

  it("stops recording rows past the per-statement cap but keeps counting them", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 100, redactLiterals });
    recorder.verdict("SELECT x FROM t", { kind: "allow" }, false);
    recorder.toClient(0x54, rowDescription(["x"]));
    for (let i = 0; i < 10; i++) recorder.toClient(0x44, dataRow(["0123456789012345678"]));
    recorder.toClient(0x43, tag("SELECT 10"));
    const events = parseEvents(recorder.drain());
    // 25 bytes a row: four fit in 100.
    expect(events.filter((event) => event.type === "row")).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: "complete", rows: 10, truncatedRows: 6 });
  });

  it("keeps no clear value typed into a statement: literals when masked tables are read, detected values always", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals });
    recorder.verdict(
      "SELECT name FROM customers WHERE ssn = '123456789' AND note = 'it''s'",
      { kind: "allow", maskedTables: ["public.customers"] },
      false,
    );
    recorder.verdict("SELECT 'ada@example.com', '123-45-6789', 'plain'", { kind: "allow" }, false);
    const statements = parseEvents(recorder.drain()).flatMap((event) =>
      event.type === "statement" ? [event.sql] : [],
    );
    expect(statements).toEqual([
      "SELECT name FROM customers WHERE ssn = '[REDACTED]' AND note = '[REDACTED]'",
      "SELECT '[REDACTED]', '[REDACTED]', 'plain'",
    ]);
  });

  it("bounds literals as the session's server does: dollar quotes, escape strings and comments on PostgreSQL", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals });
    const masked = { kind: "allow" as const, maskedTables: ["public.customers"] };
    recorder.verdict(
      "SELECT id FROM customers WHERE last_name = $$Lovelace$$ AND city = $q$Lon'don$q$",
      masked,
      false,
    );
    recorder.verdict(
      "SELECT id FROM customers WHERE last_name = E'Love\\'lace' /* Byron */ -- Ada",
      masked,
      false,
    );
    recorder.verdict("SELECT \"last_name\" FROM customers WHERE first_name = U&'Ad\\0061'", masked, false);
    recorder.verdict(
      "SELECT id FROM customers WHERE last_name = 'unterminated",
      { kind: "deny", rule: "r" },
      false,
    );
    const statements = parseEvents(recorder.drain()).flatMap((event) =>
      event.type === "statement" ? [event.sql] : [],
    );
    expect(statements).toEqual([
      "SELECT id FROM customers WHERE last_name = '[REDACTED]' AND city = '[REDACTED]'",
      "SELECT id FROM customers WHERE last_name = '[REDACTED]' /* [REDACTED] */ -- [REDACTED]",
      `SELECT "last_name" FROM customers WHERE first_name = '[REDACTED]'`,
      "SELECT id FROM customers WHERE last_name = '[REDACTED]'",
    ]);
    for (const sql of statements) expect(sql).not.toMatch(/Lovelace|Lon|Byron|Ada|Ad\\|unterminated/);
  });

  it("bounds literals as MariaDB does on a MySQL session: backslash escapes, double-quoted strings", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals: mysqlLiterals });
    const masked = { kind: "allow" as const, maskedTables: ["shop.customers"] };
    recorder.verdict(
      "SELECT id FROM customers WHERE last_name = 'Love\\'lace' AND city = \"London\"",
      masked,
      false,
    );
    const statements = parseEvents(recorder.drain()).flatMap((event) =>
      event.type === "statement" ? [event.sql] : [],
    );
    expect(statements).toEqual([
      "SELECT id FROM customers WHERE last_name = '[REDACTED]' AND city = '[REDACTED]'",
    ]);
  });

  it("records binary-format values as hex", () => {
    const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals });
    recorder.verdict("SELECT b", { kind: "allow" }, false);
    recorder.toClient(0x54, rowDescription(["b"], 1));
    recorder.toClient(0x44, dataRow(["\u0001\u0002"]));
    expect(parseEvents(recorder.drain()).at(-1)).toMatchObject({ values: ["\\x0102"] });
  });
});

describe("terminal rendering and asciicast", () => {
  const recorder = new SessionRecorder({ resultBytesCap: 1024, redactLiterals, clock: () => 0 });
  recorder.connect({ agent: "bot", groups: [], connection: "shop", clientAddress: "::1", isTls: false });
  recorder.verdict(
    "SELECT name FROM customers",
    { kind: "allow", maskedTables: ["public.customers"] },
    false,
  );
  recorder.toClient(0x54, rowDescription(["name"]));
  recorder.toClient(0x44, dataRow(["[REDACTED]"]));
  recorder.toClient(0x43, tag("SELECT 1"));
  recorder.verdict("DROP TABLE x", { kind: "deny", rule: "no-drop" }, false);
  recorder.toClient(0x45, errorBody("blocked"));
  const frames = renderFrames(parseEvents(recorder.drain()));

  it("renders like psql, with errors in red and verdicts marked for the seek bar", () => {
    const text = frames.map((frame) => frame.text).join("");
    expect(text).toContain("shop=>\x1b[0m SELECT name FROM customers");
    expect(text).toContain(" name      \r\n------------\r\n [REDACTED]\r\n(1 row)\r\n");
    expect(text).toContain("\x1b[31mERROR:  blocked\x1b[0m");
    expect(frames.filter((frame) => frame.marker).map((frame) => frame.marker)).toEqual([
      "statement",
      "masked",
      "statement",
      "denied",
    ]);
  });

  it('exports asciicast v2: a header, then [seconds, "o", text] lines', () => {
    const cast = toAsciicast(frames, { title: "bot on shop", startedAt: new Date("2026-11-25T00:00:00Z") });
    const [header, first] = cast.trim().split("\n");
    expect(JSON.parse(header ?? "")).toMatchObject({
      version: 2,
      width: 120,
      height: 36,
      timestamp: 1795564800,
      title: "bot on shop",
    });
    expect(JSON.parse(first ?? "")).toEqual([
      0,
      "o",
      expect.stringContaining("bot (no groups) connected to shop"),
    ]);
  });
});

import { Buffer } from "node:buffer";
import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseStatements } from "../src/parser";
import { redactLiterals } from "../src/redact-literals";

beforeAll(() => loadParser());

/**
 * The statement is copied into the parser's memory by `TextEncoder.encodeInto` into a buffer sized
 * for the worst case: nothing may be cut off (a statement after a long multi-byte literal is still
 * seen), byte offsets must be those of the UTF-8 text the upstream gets (`Buffer.from`, which
 * writes a lone surrogate as U+FFFD, as the encoder does), and names read back as the upstream reads them.
 */
describe("text copied into the parser", () => {
  it("is never cut short, however long and multi-byte", () => {
    for (const piece of ["é", "日", "😀", "\uD800"]) {
      const sql = `SELECT '${piece.repeat(400_000)}'; DROP TABLE victims`;
      const parsed = parseStatements(sql);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.statements.map((facts) => facts.kind)).toEqual(["SELECT", "DROP"]);
      // Where the same statement with ASCII of the same UTF-8 length puts it.
      const ascii = sql.replaceAll(piece, "x".repeat(Buffer.byteLength(piece)));
      const expected = parseStatements(ascii);
      expect(parsed.statements[1]?.byteOffset).toBe(expected.ok ? expected.statements[1]?.byteOffset : -1);
    }
  });

  it("reads a lone surrogate in a name as the upstream will (U+FFFD)", () => {
    for (const name of ["a\uD800b", "\uDC00", "x\uD800"]) {
      const parsed = parseStatements(`SELECT * FROM "${name}"; SELECT 1`);
      if (!parsed.ok) throw new Error(parsed.error);
      const sent = Buffer.from(name, "utf8").toString("utf8");
      expect(parsed.statements[0]?.tablesRead.map((table) => table.name)).toEqual([sent]);
      const ascii = parseStatements(`SELECT * FROM "${"x".repeat(Buffer.byteLength(sent))}"; SELECT 1`);
      expect(parsed.statements[1]?.byteOffset).toBe(ascii.ok ? ascii.statements[1]?.byteOffset : -1);
    }
  });

  it("redacts literals at the same byte offsets", () => {
    expect(redactLiterals("SELECT '\uD800é' AS x, 'secret' FROM t", "…")).toBe("SELECT '…' AS x, '…' FROM t");
  });
});

import { describe, expect, it } from "vitest";
import { LastRedaction, type LiteralRedactor, redactStatement } from "../src/redact-statement";

/** A stand-in lexer that redacts every quoted run and counts its calls. */
function countingRedactor(): LiteralRedactor & { calls: number } {
  const redact = ((sql: string, placeholder: string) => {
    redact.calls += 1;
    return sql.replace(/'[^']*'/g, `'${placeholder}'`);
  }) as LiteralRedactor & { calls: number };
  redact.calls = 0;
  return redact;
}

describe("LastRedaction", () => {
  it("answers the same text under the same lexer without reading it again", () => {
    const lexer = countingRedactor();
    const redaction = new LastRedaction();
    const sql = "SELECT * FROM customers WHERE id = $1 AND note = 'x'";
    const first = redaction.of(sql, lexer);
    expect(redaction.of(sql, lexer)).toBe(first);
    expect(first).toBe(redactStatement(sql, lexer));
    expect(lexer.calls).toBe(2); // once by the remembered path, once by the direct call above
  });

  it("never serves a statement recorded with literals kept to one that must redact them", () => {
    const lexer = countingRedactor();
    const redaction = new LastRedaction();
    const sql = "SELECT name FROM customers WHERE nickname = 'opal heron'";
    expect(redaction.of(sql, null)).toContain("opal heron");
    // The same text, now touching a masked table (or refused): its literal must go.
    expect(redaction.of(sql, lexer)).not.toContain("opal heron");
    expect(redaction.of(sql, null)).toContain("opal heron");
  });

  it("reads a new text each time it changes, and never keeps a long one alive", () => {
    const lexer = countingRedactor();
    const redaction = new LastRedaction();
    expect(redaction.of("SELECT 'a'", lexer)).not.toContain("'a'");
    expect(redaction.of("SELECT 'b'", lexer)).not.toContain("'b'");
    const long = `SELECT '${"s".repeat(70_000)}'`;
    redaction.of(long, lexer);
    redaction.of(long, lexer);
    expect(lexer.calls).toBe(4);
  });
});

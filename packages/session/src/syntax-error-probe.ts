import { parseStatements } from "@sluice/sql/parser";
import { errorResponse, type Severity } from "@sluice/wire/server-messages";

/**
 * A statement PostgreSQL's parser rejects is answered with the server's own ErrorResponse, byte for
 * byte (its code, message, position, hint and source fields). The client's text goes upstream with
 * a suffix that never parses (`\n;` and the refusal stand-in's bare identifier): the server parses a
 * whole message before it runs or analyses any of it, so nothing of it runs even where the server
 * would parse the client's text (another major version), and the first error it reports is the
 * client text's own when there is one there. Only where the suffix changed the error (text left
 * open at its end: a string, a comment, a parenthesis) does the gateway build the answer itself,
 * from the parser's message and position and the server's own source fields.
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
export type SyntaxErrorProbe = {
  /** What goes upstream in place of the client's text. */
  text: string;
  /**
   * The client's answer to an upstream ErrorResponse while the probe is outstanding: null to relay
   * the server's own (its answer to the client's text, or an earlier error that skipped the probe).
   */
  answer: (errorBody: Buffer) => Buffer | null;
};

/** Error fields by their one-letter codes. */
function errorFieldsOf(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields.set(String.fromCharCode(body[offset] ?? 0), body.toString("utf8", offset + 1, end));
    offset = end + 1;
  }
  return fields;
}

/** The parser's line for an error at a token (what a bare identifier gets), to place other lines by. */
let atTokenLine: number | null | undefined;

function parserLineAtToken(): number | null {
  if (atTokenLine === undefined) {
    const parsed = parseStatements("sluice_probe");
    atTokenLine = parsed.ok || parsed.source === undefined ? null : parsed.source.line;
  }
  return atTokenLine;
}

export function createSyntaxErrorProbe(sql: string, standInText: string): SyntaxErrorProbe {
  const marker = Buffer.from(standInText);
  // The server's Position counts characters (code points) of the text it was sent.
  const textCharacters = [...sql].length;
  return {
    text: `${sql}\n;${standInText}`,
    answer: (body) => {
      const fields = errorFieldsOf(body);
      if (fields.get("C") !== "42601") return null;
      const position = Number(fields.get("P") ?? "0");
      if (!body.includes(marker) && position <= textCharacters) return null;
      return answerForChangedError(sql, fields);
    },
  };
}

/**
 * The server's error was about the suffix, not the client's text: the message and position are
 * the parser's for the text alone, the source fields the server's. Both errors are raised by the
 * scanner's one error routine, so the server's line for this message is its line for the one it
 * gave plus the distance between the two in the parser's own copy of that routine.
 */
function answerForChangedError(sql: string, fields: Map<string, string>): Buffer {
  const parsed = parseStatements(sql);
  const message = parsed.ok ? "syntax error" : parsed.error;
  const position = parsed.ok || parsed.position === null ? undefined : parsed.position + 1;
  const own = parsed.ok ? undefined : parsed.source;
  const serverLine = Number(fields.get("L"));
  const tokenLine = parserLineAtToken();
  const isSameRoutine = own !== undefined && own.routine === fields.get("R") && own.file === fields.get("F");
  const source =
    own && isSameRoutine && tokenLine !== null && Number.isFinite(serverLine)
      ? { file: own.file, line: String(serverLine + own.line - tokenLine), routine: own.routine }
      : own && { file: own.file, line: String(own.line), routine: own.routine };
  return errorResponse({
    severity: (fields.get("V") ?? "ERROR") as Severity,
    code: "42601",
    message,
    ...(position === undefined ? {} : { position }),
    ...(source ? { source } : {}),
  });
}

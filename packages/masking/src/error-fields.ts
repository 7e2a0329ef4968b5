import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { type DetectorRule, maskDetected } from "./content-masker";

/**
 * Fields that name objects or places, never values: severity, SQLSTATE, the position in the
 * statement's own text, schema, table, column, data type and constraint names, and where in the
 * server's source it was raised.
 */
const VALUE_FREE_FIELDS = new Set(["S", "V", "C", "P", "s", "t", "c", "d", "n", "F", "L", "R"]);

/**
 * An error's or notice's free text (message, detail, hint, context, internal query) can quote any
 * value the statement touched, in forms no pattern can list: a number a cast printed
 * (`requested character too large for encoding: 710088768`), a date built from parts, a CONTEXT
 * line with a whole row. Fail closed: the text is withheld, the SQLSTATE and the fields that only
 * name objects stay, and the message says what kind of error it was and why it is withheld.
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
export function withholdErrorText(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let code = "";
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    const field = String.fromCharCode(body[offset] as number);
    if (field === "C") code = body.toString("utf8", offset + 1, end);
    if (VALUE_FREE_FIELDS.has(field)) parts.push(body.subarray(offset, end + 1));
    offset = end + 1;
  }
  const message = `${sqlstateClassName(code)} (SQLSTATE ${code || "unknown"}): the server's message is withheld because the statement reads masked columns and the text could quote their values`;
  parts.push(Buffer.from(`M${message}\0`, "utf8"), Buffer.from([0]));
  return Buffer.concat(parts);
}

/** SQLSTATE classes, by their two first characters (the standard's and PostgreSQL's names). */
const SQLSTATE_CLASSES: Record<string, string> = {
  "01": "warning",
  "02": "no data",
  "03": "SQL statement not yet complete",
  "08": "connection exception",
  "09": "triggered action exception",
  "0A": "feature not supported",
  "0B": "invalid transaction initiation",
  "0L": "invalid grantor",
  "0P": "invalid role specification",
  "20": "case not found",
  "21": "cardinality violation",
  "22": "data exception",
  "23": "integrity constraint violation",
  "24": "invalid cursor state",
  "25": "invalid transaction state",
  "26": "invalid SQL statement name",
  "27": "triggered data change violation",
  "28": "invalid authorization specification",
  "2B": "dependent privilege descriptors still exist",
  "2D": "invalid transaction termination",
  "2F": "SQL routine exception",
  "34": "invalid cursor name",
  "38": "external routine exception",
  "39": "external routine invocation exception",
  "3B": "savepoint exception",
  "3D": "invalid catalog name",
  "3F": "invalid schema name",
  "40": "transaction rollback",
  "42": "syntax error or access rule violation",
  "44": "WITH CHECK OPTION violation",
  "53": "insufficient resources",
  "54": "program limit exceeded",
  "55": "object not in prerequisite state",
  "57": "operator intervention",
  "58": "system error",
  F0: "configuration file error",
  HV: "foreign data wrapper error",
  P0: "PL/pgSQL error",
  XX: "internal error",
};

function sqlstateClassName(code: string): string {
  return SQLSTATE_CLASSES[code.slice(0, 2)] ?? "error";
}

/** Wraps a rewritten body back into its message ('E' or 'N'). */
export function withHeader(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(TAGGED_HEADER_BYTES);
  head[0] = type;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** What content detectors find in an error's or notice's message, detail and hint, masked. */
export function maskDetectedInErrorBody(
  body: Buffer,
  detectors: readonly DetectorRule[],
  hashKey: Buffer,
): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = body[offset] as number;
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    const value = body.toString("utf8", offset + 1, end);
    const field = String.fromCharCode(code);
    const masked =
      field === "M" || field === "D" || field === "H" || field === "W"
        ? maskDetected(value, detectors, hashKey)
        : null;
    parts.push(Buffer.from([code]), Buffer.from(`${masked ?? value}\0`, "utf8"));
    offset = end + 1;
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

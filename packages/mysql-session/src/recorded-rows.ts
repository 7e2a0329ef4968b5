import { type ColumnDefinition, FieldType } from "@sluice/mysql-wire/column-definition";
import { PayloadReader } from "@sluice/mysql-wire/payload-reader";
import { parseBinaryRow, parseTextRow } from "@sluice/mysql-wire/rows";

/** Column types whose binary-protocol value is a length-encoded string (text, blobs, JSON, decimals). */
export const STRING_TYPES: ReadonlySet<number> = new Set<number>([
  FieldType.VarChar,
  FieldType.VarString,
  FieldType.String,
  FieldType.TinyBlob,
  FieldType.MediumBlob,
  FieldType.LongBlob,
  FieldType.Blob,
  FieldType.Json,
  FieldType.Enum,
  FieldType.Set,
]);

/**
 * A row as the client received it (masked already), as the recording shows it: text-protocol
 * values as text; binary-protocol strings as text and other binary values (integers, dates,
 * floats in their wire encoding) as hex, the way the Postgres recording shows binary values.
 */
export function recordedValues(
  payload: Buffer,
  columns: readonly ColumnDefinition[],
  rowFormat: "text" | "binary",
): (string | null)[] {
  if (rowFormat === "text") {
    return parseTextRow(payload, columns.length).map((value) => value?.toString("utf8") ?? null);
  }
  const types = columns.map((column) => column.type);
  return parseBinaryRow(payload, types).values.map((value, index) => {
    if (value === null) return null;
    if (STRING_TYPES.has(types[index] as number))
      return new PayloadReader(value).lenencBytes()?.toString("utf8") ?? null;
    return `\\x${value.toString("hex")}`;
  });
}

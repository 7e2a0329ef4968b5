import { binaryValueText } from "@sluice/mysql-wire/binary-value-text";
import { type ColumnDefinition, FieldType } from "@sluice/mysql-wire/column-definition";
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
 * A row as the client received it (masked already), as the recording shows it: the text the text
 * protocol carries, and binary-protocol values (integers, dates, floats in their wire encoding)
 * decoded to that same text, so a prepared statement's rows read like a plain query's.
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
  return parseBinaryRow(payload, types).values.map((value, index) =>
    value === null ? null : binaryValueText(value, columns[index] as ColumnDefinition),
  );
}

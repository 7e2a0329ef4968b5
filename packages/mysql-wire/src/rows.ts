import { FieldType } from "./column-definition";
import { MySqlWireError } from "./mysql-wire-error";
import { PayloadReader } from "./payload-reader";
import { PayloadWriter } from "./payload-writer";

/** A value as the row carries it: the text protocol's bytes, or null. */
export type RowValue = Buffer | null;

/**
 * A text-protocol row: one length-encoded string per column, 0xFB for NULL.
 * @see https://mariadb.com/kb/en/resultset-row/#text-resultset-row
 */
export function parseTextRow(payload: Buffer, columnCount: number): RowValue[] {
  const reader = new PayloadReader(payload);
  const values: RowValue[] = [];
  for (let index = 0; index < columnCount; index++) values.push(reader.lenencBytes());
  if (reader.remaining !== 0) throw new MySqlWireError("text row longer than its columns");
  return values;
}

export function encodeTextRow(values: readonly RowValue[]): Buffer {
  const writer = new PayloadWriter();
  for (const value of values) writer.lenencBytes(value);
  return writer.build();
}

/**
 * A binary-protocol row (COM_STMT_EXECUTE results): 0x00, a NULL bitmap offset by 2 bits, then each
 * non-NULL value in its type's binary form. Parsed into per-column slices so a masked column can be
 * replaced and the rest copied as they were.
 * @see https://mariadb.com/kb/en/resultset-row/#binary-resultset-row
 */
export type BinaryRow = { values: Array<Buffer | null>; types: readonly number[] };

export function parseBinaryRow(payload: Buffer, types: readonly number[]): BinaryRow {
  const reader = new PayloadReader(payload);
  if (reader.int1() !== 0x00) throw new MySqlWireError("binary row without its 0x00 header");
  const bitmap = reader.bytes(Math.floor((types.length + 7 + 2) / 8));
  const values: Array<Buffer | null> = [];
  types.forEach((type, index) => {
    const bit = index + 2;
    if (((bitmap[bit >> 3] as number) & (1 << (bit & 7))) !== 0) {
      values.push(null);
      return;
    }
    const start = reader.offset;
    skipBinaryValue(reader, type);
    values.push(payload.subarray(start, reader.offset));
  });
  if (reader.remaining !== 0) throw new MySqlWireError("binary row longer than its columns");
  return { values, types };
}

export function encodeBinaryRow(row: BinaryRow): Buffer {
  const bitmap = Buffer.alloc(Math.floor((row.types.length + 7 + 2) / 8));
  const writer = new PayloadWriter().int1(0x00).bytes(bitmap);
  row.values.forEach((value, index) => {
    const bit = index + 2;
    if (value === null) bitmap[bit >> 3] = (bitmap[bit >> 3] as number) | (1 << (bit & 7));
    else writer.bytes(value);
  });
  return writer.build();
}

/** A string-typed value in binary form (length-encoded), for a masked replacement. */
export function binaryString(text: Buffer): Buffer {
  return new PayloadWriter().lenencBytes(text).build();
}

/** Whether a column's binary value is a length-encoded string (so it can hold a masked text). */
export function isBinaryStringType(type: number): boolean {
  return !FIXED_WIDTH.has(type) && !TEMPORAL.has(type);
}

const FIXED_WIDTH = new Map<number, number>([
  [FieldType.Tiny, 1],
  [FieldType.Short, 2],
  [FieldType.Year, 2],
  [FieldType.Long, 4],
  [FieldType.Int24, 4],
  [FieldType.Float, 4],
  [FieldType.LongLong, 8],
  [FieldType.Double, 8],
]);
const TEMPORAL = new Set<number>([FieldType.Date, FieldType.DateTime, FieldType.Timestamp, FieldType.Time]);

function skipBinaryValue(reader: PayloadReader, type: number): void {
  const width = FIXED_WIDTH.get(type);
  if (width !== undefined) {
    reader.bytes(width);
    return;
  }
  if (TEMPORAL.has(type)) {
    reader.bytes(reader.int1());
    return;
  }
  if (type === FieldType.Null) return;
  reader.lenencBytes();
}

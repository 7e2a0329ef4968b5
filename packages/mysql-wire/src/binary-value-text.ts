import { type ColumnDefinition, FieldType } from "./column-definition";
import { PayloadReader } from "./payload-reader";

/** The column flag that makes an integer unsigned. @see https://mariadb.com/kb/en/result-set-packets/#field-details-flag */
const UNSIGNED_FLAG = 0x20;
/** MariaDB's "decimals not fixed" (NOT_FIXED_DEC): a temporal value shows the digits it has. */
const MAX_FRACTION_DIGITS = 6;

/**
 * One binary-protocol value (a slice from `parseBinaryRow`) as the text protocol would have sent
 * it for the same column, so a recording reads the same whichever protocol the client used.
 * Floats are printed as their shortest round-trip decimal, as the server does for ordinary values.
 * @see https://mariadb.com/kb/en/resultset-row/#binary-resultset-row
 */
export function binaryValueText(value: Buffer, column: ColumnDefinition): string {
  const reader = new PayloadReader(value);
  const isUnsigned = (column.flags & UNSIGNED_FLAG) !== 0;
  switch (column.type) {
    case FieldType.Tiny:
      return String(isUnsigned ? value.readUInt8(0) : value.readInt8(0));
    case FieldType.Short:
      return String(isUnsigned ? value.readUInt16LE(0) : value.readInt16LE(0));
    case FieldType.Year:
      return String(value.readUInt16LE(0)).padStart(4, "0");
    case FieldType.Long:
    case FieldType.Int24:
      return String(isUnsigned ? value.readUInt32LE(0) : value.readInt32LE(0));
    case FieldType.LongLong:
      return String(isUnsigned ? value.readBigUInt64LE(0) : value.readBigInt64LE(0));
    case FieldType.Float:
      return shortestFloat32(value.readFloatLE(0));
    case FieldType.Double:
      return String(value.readDoubleLE(0));
    case FieldType.Date:
    case FieldType.DateTime:
    case FieldType.Timestamp:
      return dateTimeText(reader, column);
    case FieldType.Time:
      return timeText(reader, column);
    default:
      // Strings, decimals, JSON, BIT, enums: length-encoded bytes, the text protocol's own.
      return reader.lenencBytes()?.toString("utf8") ?? "";
  }
}

/** The fewest significant digits that read back as the same 32-bit float (what FLOAT prints). */
function shortestFloat32(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = Number(value.toPrecision(digits));
    if (Math.fround(text) === value) return String(text);
  }
  return String(value);
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

function fraction(micros: number, column: ColumnDefinition): string {
  const digits = column.decimals > MAX_FRACTION_DIGITS ? (micros === 0 ? 0 : 6) : column.decimals;
  return digits === 0 ? "" : `.${pad(micros, 6).slice(0, digits)}`;
}

/** Length 0, 4, 7 or 11: nothing (all zero), the date, the time of day, the microseconds. */
function dateTimeText(reader: PayloadReader, column: ColumnDefinition): string {
  const length = reader.int1();
  const year = length >= 4 ? reader.int2() : 0;
  const month = length >= 4 ? reader.int1() : 0;
  const day = length >= 4 ? reader.int1() : 0;
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (column.type === FieldType.Date) return date;
  const hour = length >= 7 ? reader.int1() : 0;
  const minute = length >= 7 ? reader.int1() : 0;
  const second = length >= 7 ? reader.int1() : 0;
  const micros = length >= 11 ? reader.int4() : 0;
  return `${date} ${pad(hour)}:${pad(minute)}:${pad(second)}${fraction(micros, column)}`;
}

/** Length 0, 8 or 12: sign, days, hours, minutes, seconds, microseconds; shown as hours past 24. */
function timeText(reader: PayloadReader, column: ColumnDefinition): string {
  const length = reader.int1();
  if (length === 0) return `00:00:00${fraction(0, column)}`;
  const isNegative = reader.int1() === 1;
  const days = reader.int4();
  const hours = days * 24 + reader.int1();
  const minute = reader.int1();
  const second = reader.int1();
  const micros = length >= 12 ? reader.int4() : 0;
  return `${isNegative ? "-" : ""}${pad(hours)}:${pad(minute)}:${pad(second)}${fraction(micros, column)}`;
}

import { PayloadReader } from "./payload-reader";
import { PayloadWriter } from "./payload-writer";

/**
 * One column of a result set. `orgTable`/`orgName` are where the server read the value from —
 * empty for a computed column — which is what masking by origin starts from.
 * @see https://mariadb.com/kb/en/result-set-packets/#column-definition-packet
 */
export type ColumnDefinition = {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  /** MariaDB's extended metadata (with MARIADB_CLIENT_EXTENDED_METADATA), kept to re-encode. */
  charset: number;
  length: number;
  type: number;
  flags: number;
  decimals: number;
};

export function parseColumnDefinition(payload: Buffer): ColumnDefinition {
  const reader = new PayloadReader(payload);
  const catalog = reader.lenencString();
  const schema = reader.lenencString();
  const table = reader.lenencString();
  const orgTable = reader.lenencString();
  const name = reader.lenencString();
  const orgName = reader.lenencString();
  reader.lenencInt();
  const charset = reader.int2();
  const length = reader.int4();
  const type = reader.int1();
  const flags = reader.int2();
  const decimals = reader.int1();
  return { catalog, schema, table, orgTable, name, orgName, charset, length, type, flags, decimals };
}

export function encodeColumnDefinition(column: ColumnDefinition): Buffer {
  return new PayloadWriter()
    .lenencString(column.catalog)
    .lenencString(column.schema)
    .lenencString(column.table)
    .lenencString(column.orgTable)
    .lenencString(column.name)
    .lenencString(column.orgName)
    .lenencInt(0x0c)
    .int2(column.charset)
    .int4(column.length)
    .int1(column.type)
    .int2(column.flags)
    .int1(column.decimals)
    .zeros(2)
    .build();
}

/** Field types whose binary form is a length-encoded string (masking rewrites these in place). */
export enum FieldType {
  Decimal = 0x00,
  Tiny = 0x01,
  Short = 0x02,
  Long = 0x03,
  Float = 0x04,
  Double = 0x05,
  Null = 0x06,
  Timestamp = 0x07,
  LongLong = 0x08,
  Int24 = 0x09,
  Date = 0x0a,
  Time = 0x0b,
  DateTime = 0x0c,
  Year = 0x0d,
  VarChar = 0x0f,
  Bit = 0x10,
  Json = 0xf5,
  NewDecimal = 0xf6,
  Enum = 0xf7,
  Set = 0xf8,
  TinyBlob = 0xf9,
  MediumBlob = 0xfa,
  LongBlob = 0xfb,
  Blob = 0xfc,
  VarString = 0xfd,
  String = 0xfe,
  Geometry = 0xff,
}

import { describe, expect, it } from "vitest";
import { binaryValueText } from "../src/binary-value-text";
import { type ColumnDefinition, FieldType } from "../src/column-definition";

const column = (type: number, flags = 0, decimals = 0): ColumnDefinition => ({
  catalog: "def",
  schema: "s",
  table: "t",
  orgTable: "t",
  name: "c",
  orgName: "c",
  charset: 63,
  length: 0,
  type,
  flags,
  decimals,
});
const UNSIGNED = 0x20;
const bytes = (...values: number[]) => Buffer.from(values);

describe("a binary-protocol value as the text protocol shows it", () => {
  it("reads integers signed or unsigned by the column's flag", () => {
    expect(binaryValueText(bytes(0xff), column(FieldType.Tiny))).toBe("-1");
    expect(binaryValueText(bytes(0xff), column(FieldType.Tiny, UNSIGNED))).toBe("255");
    expect(binaryValueText(bytes(0xfe, 0xff), column(FieldType.Short))).toBe("-2");
    expect(binaryValueText(bytes(0x40, 0xe2, 0x01, 0x00), column(FieldType.Int24))).toBe("123456");
    const max = Buffer.alloc(8, 0xff);
    expect(binaryValueText(max, column(FieldType.LongLong))).toBe("-1");
    expect(binaryValueText(max, column(FieldType.LongLong, UNSIGNED))).toBe("18446744073709551615");
    expect(binaryValueText(bytes(0x05, 0x00), column(FieldType.Year))).toBe("0005");
  });

  it("prints floats as their shortest decimal: FLOAT in 32 bits, DOUBLE in 64", () => {
    const float = Buffer.alloc(4);
    float.writeFloatLE(1.1);
    expect(binaryValueText(float, column(FieldType.Float))).toBe("1.1");
    const double = Buffer.alloc(8);
    double.writeDoubleLE(-0.125);
    expect(binaryValueText(double, column(FieldType.Double))).toBe("-0.125");
  });

  it("writes dates and date-times with the column's fractional digits, zero dates as zeros", () => {
    expect(binaryValueText(bytes(4, 0xe8, 0x07, 2, 29), column(FieldType.Date))).toBe("2024-02-29");
    expect(binaryValueText(bytes(0), column(FieldType.DateTime))).toBe("0000-00-00 00:00:00");
    const withMicros = bytes(11, 0xe8, 0x07, 12, 31, 23, 59, 58, 0x40, 0xe2, 0x01, 0x00);
    expect(binaryValueText(withMicros, column(FieldType.DateTime, 0, 3))).toBe("2024-12-31 23:59:58.123");
    expect(binaryValueText(withMicros, column(FieldType.Timestamp, 0, 6))).toBe("2024-12-31 23:59:58.123456");
  });

  it("writes TIME as hours past a day, negative ones with their sign", () => {
    const time = bytes(8, 1, 2, 0, 0, 0, 3, 4, 5);
    expect(binaryValueText(time, column(FieldType.Time))).toBe("-51:04:05");
    expect(binaryValueText(bytes(0), column(FieldType.Time))).toBe("00:00:00");
  });

  it("passes length-encoded values (decimals, strings) through as their text", () => {
    expect(binaryValueText(bytes(4, 0x31, 0x2e, 0x35, 0x30), column(FieldType.NewDecimal))).toBe("1.50");
  });
});

import { describe, expect, it } from "vitest";
import { Capability } from "../src/capabilities";
import { encodeColumnDefinition, FieldType, parseColumnDefinition } from "../src/column-definition";
import { parseCommand } from "../src/commands";
import {
  encodeAuthSwitchRequest,
  encodeHandshakeResponse41,
  encodeHandshakeV10,
  encodeSslRequest,
  isSslRequest,
  parseAuthSwitchRequest,
  parseHandshakeResponse41,
  parseHandshakeV10,
} from "../src/handshake";
import { encodeErr, encodeOk, isEofPacket, isErrPacket, parseErr, parseOk } from "../src/responses";
import { binaryString, encodeBinaryRow, encodeTextRow, parseBinaryRow, parseTextRow } from "../src/rows";

describe("handshake", () => {
  it("round-trips HandshakeV10 with a 20-byte scramble", () => {
    const handshake = {
      serverVersion: "5.5.5-10.11.19-MariaDB-sluice",
      connectionId: 42,
      scramble: Buffer.from("0123456789abcdefghij"),
      capabilities: Capability.PROTOCOL_41 | Capability.PLUGIN_AUTH | Capability.SECURE_CONNECTION,
      mariadbCapabilities: 0,
      collation: 45,
      status: 2,
      authPlugin: "mysql_clear_password",
    };
    expect(parseHandshakeV10(encodeHandshakeV10(handshake))).toEqual(handshake);
  });

  it("round-trips HandshakeResponse41 with database, plugin and attributes", () => {
    const response = {
      capabilities:
        Capability.PROTOCOL_41 |
        Capability.PLUGIN_AUTH |
        Capability.SECURE_CONNECTION |
        Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
        Capability.CONNECT_WITH_DB |
        Capability.CONNECT_ATTRS,
      maxPacketSize: 16 * 1024 * 1024,
      collation: 45,
      user: "agent",
      authResponse: Buffer.from("token\0"),
      database: "conn",
      authPlugin: "mysql_clear_password",
      attributes: new Map([["_client_name", "libmariadb"]]),
    };
    expect(parseHandshakeResponse41(encodeHandshakeResponse41(response))).toEqual(response);
  });

  it("tells an SSLRequest from a full response", () => {
    expect(isSslRequest(encodeSslRequest(Capability.PROTOCOL_41, 45, 1 << 24))).toBe(true);
    expect(isSslRequest(Buffer.alloc(32))).toBe(false);
  });

  it("reads an AuthSwitchRequest without the scramble's NUL", () => {
    const request = { plugin: "mysql_native_password", data: Buffer.from("abcdefghijklmnopqrst") };
    const bytes = Buffer.concat([encodeAuthSwitchRequest(request), Buffer.from([0])]);
    expect(parseAuthSwitchRequest(bytes)).toMatchObject(request);
    // client_ed25519's nonce is binary: its data as sent keeps a last byte of 0.
    expect(parseAuthSwitchRequest(bytes).rawData).toEqual(Buffer.concat([request.data, Buffer.from([0])]));
  });
});

describe("responses", () => {
  it("round-trips OK and ERR", () => {
    const ok = parseOk(encodeOk({ affectedRows: 300, lastInsertId: 7, status: 2, warnings: 1 }));
    expect(ok).toEqual({ affectedRows: 300, lastInsertId: 7, status: 2, warnings: 1, info: "" });
    const err = encodeErr({ code: 1142, sqlState: "42000", message: "denied by Sluice" });
    expect(isErrPacket(err)).toBe(true);
    expect(parseErr(err)).toEqual({ code: 1142, sqlState: "42000", message: "denied by Sluice" });
    expect(isEofPacket(encodeOk({ status: 2 }, 0xfe))).toBe(true);
  });

  it("round-trips a column definition with its origin", () => {
    const column = {
      catalog: "def",
      schema: "app",
      table: "e",
      orgTable: "employees",
      name: "mail",
      orgName: "email",
      charset: 45,
      length: 400,
      type: FieldType.VarString,
      flags: 0,
      decimals: 0,
    };
    expect(parseColumnDefinition(encodeColumnDefinition(column))).toEqual(column);
  });
});

describe("rows", () => {
  it("round-trips text rows with NULLs", () => {
    const values = [Buffer.from("1"), null, Buffer.from("a".repeat(300))];
    expect(parseTextRow(encodeTextRow(values), 3)).toEqual(values);
  });

  it("splits binary rows per column and re-encodes a replaced string", () => {
    const types = [FieldType.Long, FieldType.VarString, FieldType.DateTime, FieldType.VarString];
    const row = {
      types,
      values: [
        Buffer.from([1, 0, 0, 0]),
        binaryString(Buffer.from("secret")),
        Buffer.from([4, 0xe8, 0x07, 1, 2]),
        null,
      ],
    };
    const parsed = parseBinaryRow(encodeBinaryRow(row), types);
    expect(parsed.values).toEqual(row.values);
    parsed.values[1] = binaryString(Buffer.from("***"));
    expect(parseBinaryRow(encodeBinaryRow(parsed), types).values[1]).toEqual(
      binaryString(Buffer.from("***")),
    );
  });
});

describe("parseCommand", () => {
  it("decodes the commands the gateway judges", () => {
    expect(parseCommand(Buffer.from("\u0003SELECT 1"))).toEqual({ type: "query", sql: "SELECT 1" });
    expect(parseCommand(Buffer.from("\u0002app"))).toEqual({ type: "init-db", schema: "app" });
    expect(parseCommand(Buffer.from("\u0016SELECT ?"))).toEqual({ type: "stmt-prepare", sql: "SELECT ?" });
    expect(parseCommand(Buffer.from([0x17, 5, 0, 0, 0, 0, 1, 0, 0, 0]))).toEqual({
      type: "stmt-execute",
      statementId: 5,
      flags: 0,
    });
    expect(parseCommand(Buffer.from([0x17, 5, 0, 0, 0, 1, 1, 0, 0, 0]))).toMatchObject({ flags: 1 });
    expect(parseCommand(Buffer.from([0x18, 5, 0, 0, 0, 2, 0, 0x41, 0x42]))).toEqual({
      type: "stmt-send-long-data",
      statementId: 5,
      paramId: 2,
      data: Buffer.from("AB"),
    });
    expect(parseCommand(Buffer.from("\u0004people\u0000na%"))).toEqual({
      type: "field-list",
      table: "people",
      wildcard: "na%",
    });
    expect(() => parseCommand(Buffer.from("\u0004people"))).toThrow(/table name/);
    expect(parseCommand(Buffer.from([0x0e]))).toEqual({ type: "ping" });
    expect(parseCommand(Buffer.from([0x01]))).toEqual({ type: "quit" });
    expect(parseCommand(Buffer.from([0x12, 1]))).toEqual({ type: "unsupported", code: 0x12 });
  });

  it("refuses statement text that is not UTF-8", () => {
    expect(() => parseCommand(Buffer.from([0x03, 0x53, 0xbf, 0x5c]))).toThrow(/UTF-8/);
  });
});

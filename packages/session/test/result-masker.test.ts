import { REDACTED_TEXT } from "@sluice/masking/strategies";
import { ResultMasker, type SessionMasking } from "@sluice/session/result-masker";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import {
  cstr,
  dataRow,
  int16,
  int32,
  tagged,
  rowDescription as wireRowDescription,
} from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import type { ResultScope } from "../src/result-scope";

/** Table 100 is `customers(id, ssn)` with ssn masked; table 200 is `orders(id)`. */
const MASKING: SessionMasking = {
  origins: {
    ruleFor: (tableOid, attnum) =>
      tableOid === 100 && attnum === 2 ? { name: "ssn", strategy: "REDACT" } : null,
  },
  hashKey: Buffer.alloc(32),
  hasColumnRules: true,
  detectors: [],
  isMaskedTable: (names) => names.includes("public.customers"),
  isOpaqueRelation: () => false,
};
const READS_CUSTOMERS: ResultScope = {
  maskedTables: ["public.customers"],
  relations: [["public.customers"]],
};
const READS_ORDERS: ResultScope = { maskedTables: [], relations: [["public.orders"]] };

describe("ResultMasker", () => {
  it("masks a portal's rows by its own description when another portal was described last", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [
      [parse("", "SELECT id, ssn FROM customers"), READS_CUSTOMERS],
      [bind("p2", "")],
      [parse("s3", "SELECT id FROM orders"), READS_ORDERS],
      [bind("p3", "s3")],
      [describeMsg("P", "p3")],
      [execute("p2")],
      [sync()],
    ]);
    const out = receive(masker, [
      msg("1"),
      msg("2"),
      msg("1"),
      msg("2"),
      rowDescription([[200, 1]]),
      // p2 was never described by the client: the gateway asked on its own, before the Execute.
      rowDescription([
        [100, 1],
        [100, 2],
      ]),
      dataRow(["1", "123-45-6789"]),
      msg("C", Buffer.from("SELECT 1\0")),
      msg("Z", Buffer.from("I")),
    ]);
    expect(out.toString("latin1")).not.toContain("123-45-6789");
    expect(out.toString("latin1")).toContain(REDACTED_TEXT);
    // The answer to the gateway's own Describe never reaches the client.
    expect(types(out)).toEqual(["1", "2", "1", "2", "T", "D", "C", "Z"]);
  });

  it("asks for a description only when the client asked for none", () => {
    const masker = new ResultMasker(MASKING);
    expect(masker.noteSent(parse("s", "SELECT 1"), READS_ORDERS)).toBeNull();
    expect(masker.noteSent(describeMsg("S", "s"))).toBeNull();
    expect(masker.noteSent(bind("", "s"))).toBeNull();
    expect(masker.noteSent(execute(""))).toBeNull();
    expect(masker.noteSent(bind("q", "s"))).toBeNull();
    // A portal bound from a described statement needs nothing; a SQL cursor by name does.
    expect(masker.noteSent(execute("q"))).toBeNull();
    expect(masker.noteSent(execute("cursor_c"))).toEqual(describeMsg("P", "cursor_c"));
  });

  it("applies the Bind's result formats to a statement's description", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [
      [parse("s", "SELECT id, ssn FROM customers"), READS_CUSTOMERS],
      [describeMsg("S", "s")],
      [bind("", "s", [1])],
      [execute("")],
      [sync()],
    ]);
    const ssnBinary = Buffer.from("123-45-6789");
    const out = receive(masker, [
      msg("1"),
      msg("t", Buffer.from([0, 0])),
      rowDescription([
        [100, 1],
        [100, 2],
      ]),
      msg("2"),
      dataRow([Buffer.from([0, 0, 0, 1]), ssnBinary]),
      msg("C", Buffer.from("SELECT 1\0")),
      msg("Z", Buffer.from("I")),
    ]);
    expect(out.toString("latin1")).not.toContain("123-45-6789");
  });

  it("after an error, a statement the server skipped never existed: rows use the one it kept", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [[parse("", "SELECT ssn || '' FROM customers"), READS_CUSTOMERS], [sync()]]);
    receive(masker, [msg("1"), msg("Z", Buffer.from("I"))]);
    // A failing Execute, then a Parse of the unnamed statement the server skips (its scope is clean).
    sendAll(masker, [
      [bind("", "")],
      [execute("")],
      [parse("", "SELECT 'x'"), { maskedTables: [], relations: [], cleanOutputs: [true] }],
      [sync()],
    ]);
    receive(masker, [msg("2"), rowDescription([[0, 0]]), errorBody("22012"), msg("Z", Buffer.from("I"))]);
    sendAll(masker, [[bind("", "")], [describeMsg("P", "")], [execute("")], [sync()]]);
    const out = receive(masker, [
      msg("2"),
      rowDescription([[0, 0]]),
      dataRow(["123-45-6789"]),
      msg("C", Buffer.from("SELECT 1\0")),
      msg("Z", Buffer.from("I")),
    ]);
    expect(out.toString("latin1")).not.toContain("123-45-6789");
  });

  it("rows of an Execute before a refusal in the same batch keep their own statement's scope", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [
      [parse("", "SELECT upper(ssn) FROM customers"), READS_CUSTOMERS],
      [bind("", "")],
      [describeMsg("P", "")],
      [execute("")],
      // The refused statement's stand-in reads nothing; it must not unmask what came before it.
      [parse("", "sluice_refused_x"), { maskedTables: [], relations: [] }],
      [sync()],
    ]);
    const out = receive(masker, [msg("1"), msg("2"), rowDescription([[0, 0]]), dataRow(["123-45-6789"])]);
    expect(out.toString("latin1")).not.toContain("123-45-6789");
  });

  it("withholds an error's text while masked columns are in flight, and only then", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [[query("SELECT chr(ssn::int) FROM customers"), READS_CUSTOMERS]]);
    const masked = receive(masker, [errorBody("54000", "requested character too large: 123456789")]);
    expect(masked.toString("latin1")).not.toContain("123456789");
    expect(masked.toString("latin1")).toContain("54000");
    receive(masker, [msg("Z", Buffer.from("I"))]);
    sendAll(masker, [[query("SELECT 1/0"), READS_ORDERS]]);
    const clear = receive(masker, [errorBody("22012", "division by zero")]);
    expect(clear.toString("latin1")).toContain("division by zero");
  });

  it("masks computed columns of rows whose origin the gateway never saw judged", () => {
    const masker = new ResultMasker(MASKING);
    sendAll(masker, [[query("FETCH ALL c"), { maskedTables: [], relations: [], isOriginUnknown: true }]]);
    const out = receive(masker, [rowDescription([[0, 0]]), dataRow(["123-45-6789"])]);
    expect(out.toString("latin1")).not.toContain("123-45-6789");
  });

  it("forgets the unnamed and the named portals when the transaction ends, not before", () => {
    const masker = new ResultMasker(MASKING);
    const described = [msg("1"), msg("2"), msg("2"), rowDescription([[200, 1]]), rowDescription([[200, 1]])];
    sendAll(masker, [
      [parse("s", "SELECT id FROM orders"), READS_ORDERS],
      [bind("", "s")],
      [bind("p", "s")],
      [describeMsg("P", "")],
      [describeMsg("P", "p")],
      [sync()],
    ]);
    // In a transaction block both portals live on: an Execute of either needs no description.
    receive(masker, [...described, msg("Z", Buffer.from("T"))]);
    expect(masker.noteSent(execute(""))).toBeNull();
    expect(masker.noteSent(execute("p"))).toBeNull();
    masker.noteSent(sync());
    receive(masker, [dataRow(["1"]), msg("C", Buffer.from("SELECT 1\0")), dataRow(["2"])]);
    receive(masker, [msg("C", Buffer.from("SELECT 1\0")), msg("Z", Buffer.from("I"))]);
    // Idle: the server dropped both; what runs under those names now was never bound here.
    expect(masker.noteSent(execute(""))).toEqual(describeMsg("P", ""));
    expect(masker.noteSent(execute("p"))).toEqual(describeMsg("P", "p"));
  });
});

function sendAll(masker: ResultMasker, messages: Array<[Buffer, ResultScope?]>): void {
  for (const [message, scope] of messages) masker.noteSent(message, scope);
}

function receive(masker: ResultMasker, messages: Buffer[]): Buffer {
  const out = new OutputBuffer(256);
  for (const message of messages) masker.maskInto(message[0] as number, message.subarray(5), message, out);
  return out.take();
}

function types(bytes: Buffer): string[] {
  const found: string[] = [];
  for (let at = 0; at < bytes.length; at += 1 + bytes.readInt32BE(at + 1))
    found.push(String.fromCharCode(bytes[at] as number));
  return found;
}

const msg = tagged;
const cstring = cstr;

const query = (sql: string) => msg("Q", cstring(sql));
const parse = (name: string, sql: string) => msg("P", Buffer.concat([cstring(name), cstring(sql), int16(0)]));
const bind = (portal: string, statement: string, formats: number[] = []) =>
  msg(
    "B",
    Buffer.concat([
      cstring(portal),
      cstring(statement),
      int16(0),
      int16(0),
      int16(formats.length),
      ...formats.map(int16),
    ]),
  );
const describeMsg = (target: "S" | "P", name: string) =>
  msg("D", Buffer.concat([Buffer.from(target), cstring(name)]));
const execute = (portal: string) => msg("E", Buffer.concat([cstring(portal), int32(0)]));
const sync = () => msg("S");

/** RowDescription of text columns with these (table OID, attnum) origins. */
function rowDescription(origins: Array<[number, number]>): Buffer {
  return wireRowDescription(
    origins.map(([table, attnum], i) => ({ name: `c${i}`, table, attnum, type: 25 })),
  );
}

function errorBody(code: string, message = "failed"): Buffer {
  return msg("E", Buffer.from(`SERROR\0C${code}\0M${message}\0\0`));
}

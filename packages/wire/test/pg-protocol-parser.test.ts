import { createServerFrameBuffer } from "@sluice/wire/frame-buffer";
import { byte, cstr, int16, int32, tagged, uint32 } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";
import { type BackendMessage, createServerParser, decodeWithPgProtocol } from "./pg-protocol-parser";

const ROW_DESCRIPTION = tagged(
  "T",
  int16(2),
  cstr("id"),
  uint32(16_385),
  int16(1),
  uint32(23),
  int16(4),
  int32(-1),
  int16(0),
  cstr("email"),
  uint32(16_385),
  int16(2),
  uint32(25),
  int16(-1),
  int32(-1),
  int16(1),
);
const DATA_ROW = tagged("D", int16(3), int32(2), Buffer.from("42"), int32(-1), int32(0));
const COMMAND_COMPLETE = tagged("C", cstr("SELECT 1"));
const READY_FOR_QUERY = tagged("Z", Buffer.from("T"));
const ERROR_RESPONSE = tagged(
  "E",
  Buffer.from("S"),
  cstr("ERROR"),
  Buffer.from("C"),
  cstr("42P01"),
  Buffer.from("M"),
  cstr('relation "nope" does not exist'),
  Buffer.from("P"),
  cstr("15"),
  byte(0),
);

describe("server parser (pg-protocol)", () => {
  it("returns the decoded message, not a callback later", () => {
    const decoded: BackendMessage = decodeWithPgProtocol(READY_FOR_QUERY);
    expect(decoded).toMatchObject({ name: "readyForQuery", status: "T", length: 5 });
  });

  it("decodes RowDescription, DataRow, CommandComplete, ReadyForQuery and ErrorResponse", () => {
    const parser = createServerParser();
    expect(parser.decode(ROW_DESCRIPTION)).toMatchObject({
      name: "rowDescription",
      fieldCount: 2,
      fields: [
        { name: "id", tableID: 16_385, columnID: 1, dataTypeID: 23, dataTypeSize: 4, format: "text" },
        {
          name: "email",
          tableID: 16_385,
          columnID: 2,
          dataTypeID: 25,
          dataTypeModifier: -1,
          format: "binary",
        },
      ],
    });
    expect(parser.decode(DATA_ROW)).toMatchObject({ name: "dataRow", fields: ["42", null, ""] });
    expect(parser.decode(COMMAND_COMPLETE)).toMatchObject({ name: "commandComplete", text: "SELECT 1" });
    expect(parser.decode(READY_FOR_QUERY)).toMatchObject({ name: "readyForQuery", status: "T" });
    expect(parser.decode(ERROR_RESPONSE)).toMatchObject({
      name: "error",
      severity: "ERROR",
      code: "42P01",
      message: 'relation "nope" does not exist',
      position: "15",
    });
  });

  it("decodes the raw frames the server frame buffer cuts, at every split point", () => {
    const stream = Buffer.concat([ROW_DESCRIPTION, DATA_ROW, COMMAND_COMPLETE, READY_FOR_QUERY]);
    for (let at = 0; at <= stream.length; at++) {
      const frames = createServerFrameBuffer();
      const parser = createServerParser();
      const names: string[] = [];
      const raws: Buffer[] = [];
      for (const chunk of [stream.subarray(0, at), stream.subarray(at)]) {
        frames.push(chunk);
        for (let frame = frames.next(); frame; frame = frames.next()) {
          raws.push(frame.raw);
          names.push(parser.decode(frame.raw).name);
        }
      }
      expect(names, `split at ${at}`).toEqual([
        "rowDescription",
        "dataRow",
        "commandComplete",
        "readyForQuery",
      ]);
      expect(Buffer.concat(raws).equals(stream)).toBe(true);
    }
  });

  it("refuses anything but exactly one message", () => {
    const parser = createServerParser();
    expectWireError(() => parser.decode(READY_FOR_QUERY.subarray(0, 5)), "08P01", /exactly one/);
    expectWireError(
      () => parser.decode(Buffer.concat([READY_FOR_QUERY, READY_FOR_QUERY])),
      "08P01",
      /exactly one/,
    );
    expectWireError(() => parser.decode(Buffer.from("Z")), "08P01", /exactly one/);
  });

  it("refuses the types pg-protocol would misreport as an error", () => {
    const negotiate = tagged("v", int32(0), int32(0));
    expectWireError(() => decodeWithPgProtocol(negotiate), "0A000", /'v' is not decoded here/);
    expectWireError(() => decodeWithPgProtocol(tagged("V", int32(-1))), "0A000", /'V'/);
  });

  it("recovers after pg-protocol fails on a message", () => {
    const parser = createServerParser();
    // pg-protocol throws on authentication codes it does not know (7 is GSS).
    expectWireError(() => parser.decode(tagged("R", int32(7))), "08P01", /malformed server message 'R'/);
    expect(parser.decode(READY_FOR_QUERY)).toMatchObject({ name: "readyForQuery", status: "T" });
  });
});

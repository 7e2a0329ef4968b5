import { createServerFrameBuffer } from "@sluice/wire/frame-buffer";
import { decodeServerFrame, type ServerMessage } from "@sluice/wire/server-decoder";
import { errorResponse, readyForQuery } from "@sluice/wire/server-messages";
import { byte, cstr, int32, tagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";

function decodeOne(raw: Buffer): ServerMessage {
  const buffer = createServerFrameBuffer();
  buffer.push(raw);
  const frame = buffer.next();
  if (!frame || buffer.buffered() !== 0) throw new Error("fixture is not exactly one message");
  return decodeServerFrame(frame);
}

describe("server decoder (upstream login)", () => {
  it("decodes the authentication requests", () => {
    expect(decodeOne(tagged("R", int32(0)))).toEqual({ name: "authenticationOk" });
    expect(decodeOne(tagged("R", int32(3)))).toEqual({ name: "authenticationCleartextPassword" });
    expect(decodeOne(tagged("R", int32(5), byte(1, 2, 3, 4)))).toEqual({
      name: "authenticationMD5Password",
      salt: byte(1, 2, 3, 4),
    });
    expect(
      decodeOne(tagged("R", int32(10), cstr("SCRAM-SHA-256-PLUS"), cstr("SCRAM-SHA-256"), byte(0))),
    ).toEqual({
      name: "authenticationSASL",
      mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"],
    });
    expect(decodeOne(tagged("R", int32(11), Buffer.from("r=x")))).toEqual({
      name: "authenticationSASLContinue",
      data: "r=x",
    });
    expect(decodeOne(tagged("R", int32(12), Buffer.from("v=y")))).toEqual({
      name: "authenticationSASLFinal",
      data: "v=y",
    });
    expect(decodeOne(tagged("R", int32(7)))).toEqual({ name: "authenticationOther", code: 7 });
  });

  it("decodes the session setup and errors", () => {
    expect(decodeOne(tagged("S", cstr("TimeZone"), cstr("UTC")))).toEqual({
      name: "parameterStatus",
      parameterName: "TimeZone",
      parameterValue: "UTC",
    });
    expect(decodeOne(tagged("K", int32(99), Buffer.alloc(32, 5)))).toEqual({
      name: "backendKeyData",
      processId: 99,
      secretKey: Buffer.alloc(32, 5),
    });
    expect(decodeOne(readyForQuery("E"))).toEqual({ name: "readyForQuery", status: "E" });
    expect(decodeOne(tagged("v", int32(0), int32(1), cstr("_pq_.x")))).toEqual({
      name: "negotiateProtocolVersion",
      newestMinor: 0,
    });
    expect(
      decodeOne(errorResponse({ severity: "ERROR", code: "42501", message: "no", detail: "why" })),
    ).toEqual({
      name: "error",
      fields: { S: "ERROR", V: "ERROR", C: "42501", M: "no", D: "why" },
    });
    expect(decodeOne(tagged("D", Buffer.from([0, 0])))).toEqual({ name: "other", type: "D" });
  });
});

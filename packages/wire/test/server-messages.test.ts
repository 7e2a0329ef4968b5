import { encodeCancelRequest, encodeStartup } from "@sluice/wire/client-encoders";
import { FrameBuffer } from "@sluice/wire/frame-buffer";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import {
  authenticationOk,
  authenticationSASL,
  backendKeyData,
  errorResponse,
  negotiateProtocolVersion,
  readyForQuery,
} from "@sluice/wire/server-messages";
import { describe, expect, it } from "vitest";
import { cstr, int32, tagged, untagged } from "./bytes";

function decodeOne(raw: Buffer) {
  const buffer = new FrameBuffer({ mode: "tagged", maxMessageBytes: 1 << 20 });
  buffer.push(raw);
  const frame = buffer.next();
  if (!frame) throw new Error("incomplete");
  return decodeServerFrame(frame);
}

describe("server message encoders", () => {
  it("produce the documented bytes", () => {
    expect(authenticationOk()).toEqual(tagged("R", int32(0)));
    expect(authenticationSASL(["SCRAM-SHA-256"])).toEqual(
      tagged("R", int32(10), cstr("SCRAM-SHA-256"), Buffer.from([0])),
    );
    expect(readyForQuery("T")).toEqual(tagged("Z", Buffer.from("T")));
    expect(backendKeyData(7, Buffer.from([9, 9, 9, 9]))).toEqual(
      tagged("K", int32(7), Buffer.from([9, 9, 9, 9])),
    );
    expect(negotiateProtocolVersion(0, ["_pq_.x"])).toEqual(tagged("v", int32(0), int32(1), cstr("_pq_.x")));
    expect(errorResponse({ severity: "FATAL", code: "08P01", message: "bad", hint: "fix it" })).toEqual(
      tagged(
        "E",
        Buffer.from("S"),
        cstr("FATAL"),
        Buffer.from("V"),
        cstr("FATAL"),
        Buffer.from("C"),
        cstr("08P01"),
        Buffer.from("M"),
        cstr("bad"),
        Buffer.from("H"),
        cstr("fix it"),
        Buffer.from([0]),
      ),
    );
  });

  it("round-trip through the server decoder", () => {
    expect(
      decodeOne(errorResponse({ severity: "ERROR", code: "42501", message: "no", detail: "why" })),
    ).toEqual({
      name: "error",
      fields: { S: "ERROR", V: "ERROR", C: "42501", M: "no", D: "why" },
    });
    expect(decodeOne(readyForQuery("E"))).toEqual({ name: "readyForQuery", status: "E" });
    expect(decodeOne(tagged("R", int32(5), Buffer.from([1, 2, 3, 4])))).toEqual({
      name: "authenticationMD5Password",
      salt: Buffer.from([1, 2, 3, 4]),
    });
    expect(decodeOne(tagged("S", cstr("TimeZone"), cstr("UTC")))).toEqual({
      name: "parameterStatus",
      parameterName: "TimeZone",
      parameterValue: "UTC",
    });
    expect(decodeOne(tagged("D", Buffer.from([0, 0])))).toEqual({ name: "other", type: "D" });
  });
});

describe("client encoders", () => {
  it("build the startup and cancel packets the gateway sends upstream", () => {
    expect(encodeStartup({ user: "u", database: "d" })).toEqual(
      untagged(int32(196608), cstr("user"), cstr("u"), cstr("database"), cstr("d"), Buffer.from([0])),
    );
    expect(encodeCancelRequest(5, Buffer.from([1, 2, 3, 4]))).toEqual(
      untagged(int32(80877102), int32(5), Buffer.from([1, 2, 3, 4])),
    );
  });
});

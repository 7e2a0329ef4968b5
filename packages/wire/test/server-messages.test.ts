import {
  authenticationCleartextPassword,
  authenticationMD5Password,
  authenticationOk,
  authenticationSASL,
  authenticationSASLContinue,
  authenticationSASLFinal,
  backendKeyData,
  commandComplete,
  emptyQueryResponse,
  errorResponse,
  negotiateProtocolVersion,
  noticeResponse,
  parameterStatus,
  readyForQuery,
  singleByte,
} from "@sluice/wire/server-messages";
import { byte, cstr, int32, tagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";
import { createServerParser } from "./pg-protocol-parser";

describe("server message encoders", () => {
  it("produce the documented authentication bytes", () => {
    expect(authenticationOk()).toEqual(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
    expect(authenticationCleartextPassword()).toEqual(tagged("R", int32(3)));
    expect(authenticationMD5Password(byte(1, 2, 3, 4))).toEqual(tagged("R", int32(5), byte(1, 2, 3, 4)));
    expect(authenticationSASL(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])).toEqual(
      tagged("R", int32(10), cstr("SCRAM-SHA-256-PLUS"), cstr("SCRAM-SHA-256"), byte(0)),
    );
    expect(authenticationSASLContinue("r=abc,s=c2FsdA==,i=4096")).toEqual(
      tagged("R", int32(11), Buffer.from("r=abc,s=c2FsdA==,i=4096")),
    );
    expect(authenticationSASLFinal("v=c2ln")).toEqual(tagged("R", int32(12), Buffer.from("v=c2ln")));
  });

  it("produce the documented session bytes", () => {
    expect(parameterStatus("server_version", "17.2")).toEqual(
      tagged("S", cstr("server_version"), cstr("17.2")),
    );
    expect(backendKeyData(7, byte(9, 9, 9, 9))).toEqual(tagged("K", int32(7), byte(9, 9, 9, 9)));
    expect(backendKeyData(7, Buffer.alloc(32, 1))).toEqual(tagged("K", int32(7), Buffer.alloc(32, 1)));
    expect(readyForQuery("I")).toEqual(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
    expect(readyForQuery("T")).toEqual(tagged("Z", Buffer.from("T")));
    expect(readyForQuery("E")).toEqual(tagged("Z", Buffer.from("E")));
    expect(emptyQueryResponse()).toEqual(Buffer.from([0x49, 0, 0, 0, 4]));
    expect(commandComplete("SELECT 1")).toEqual(tagged("C", cstr("SELECT 1")));
    expect(singleByte("S")).toEqual(Buffer.from("S"));
    expect(singleByte("N")).toEqual(Buffer.from("N"));
    expect(negotiateProtocolVersion(0, ["_pq_.x", "_pq_.y"])).toEqual(
      tagged("v", int32(0), int32(2), cstr("_pq_.x"), cstr("_pq_.y")),
    );
    expect(negotiateProtocolVersion(2, [])).toEqual(tagged("v", int32(2), int32(0)));
  });

  it("produce an ErrorResponse field by field, optional fields only when given", () => {
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
        byte(0),
      ),
    );
    expect(noticeResponse({ severity: "NOTICE", code: "00000", message: "held" })).toEqual(
      tagged(
        "N",
        Buffer.from("S"),
        cstr("NOTICE"),
        Buffer.from("V"),
        cstr("NOTICE"),
        Buffer.from("C"),
        cstr("00000"),
        Buffer.from("M"),
        cstr("held"),
        byte(0),
      ),
    );
  });

  it("round-trip ErrorResponse and NoticeResponse through pg-protocol's Parser", () => {
    const parser = createServerParser();
    const error = parser.decode(
      errorResponse({
        severity: "ERROR",
        code: "42501",
        message: "permission denied for table secrets",
        detail: "policy rule 3",
        hint: "ask a reviewer",
        position: 15,
        where: "sluice policy",
      }),
    );
    expect(error).toMatchObject({
      name: "error",
      severity: "ERROR",
      code: "42501",
      message: "permission denied for table secrets",
      detail: "policy rule 3",
      hint: "ask a reviewer",
      position: "15",
      where: "sluice policy",
    });
    const notice = parser.decode(noticeResponse({ severity: "WARNING", code: "01000", message: "héld" }));
    expect(notice).toMatchObject({ name: "notice", severity: "WARNING", code: "01000", message: "héld" });
  });

  it("show a NUL in error text as U+FFFD instead of ending the field", () => {
    const bytes = errorResponse({ severity: "ERROR", code: "22000", message: "bad\0CXXXXX" });
    expect(createServerParser().decode(bytes)).toMatchObject({ code: "22000", message: "bad\uFFFDCXXXXX" });
  });

  it("refuse a NUL in a name, which cannot be written as a C string", () => {
    expectWireError(() => parameterStatus("a\0b", "c"), "22021");
    expectWireError(() => authenticationSASL(["SCRAM\0"]), "22021");
  });
});

import { describe, expect, it } from "vitest";
import { AuthenticationCode, ServerCode, TargetCode, TransactionStatus } from "../src/server-codes";

/** The letters as the protocol's message-format page names them, written out independently. */
const LETTERS: Record<keyof typeof ServerCode, string> = {
  ParseComplete: "1",
  BindComplete: "2",
  CloseComplete: "3",
  NotificationResponse: "A",
  CommandComplete: "C",
  DataRow: "D",
  ErrorResponse: "E",
  CopyInResponse: "G",
  CopyOutResponse: "H",
  EmptyQueryResponse: "I",
  BackendKeyData: "K",
  NoticeResponse: "N",
  Authentication: "R",
  ParameterStatus: "S",
  RowDescription: "T",
  FunctionCallResponse: "V",
  CopyBothResponse: "W",
  ReadyForQuery: "Z",
  CopyDone: "c",
  CopyData: "d",
  NoData: "n",
  PortalSuspended: "s",
  ParameterDescription: "t",
  NegotiateProtocolVersion: "v",
};

describe("server message codes", () => {
  it("name every backend message type by its protocol letter, each letter once", () => {
    const names = Object.keys(ServerCode).filter((key) => Number.isNaN(Number(key)));
    expect(names.sort()).toEqual(Object.keys(LETTERS).sort());
    for (const [name, letter] of Object.entries(LETTERS)) {
      expect(String.fromCharCode(ServerCode[name as keyof typeof ServerCode]), name).toBe(letter);
    }
    expect(new Set(Object.values(LETTERS)).size).toBe(names.length);
  });

  it("name ReadyForQuery's statuses, Describe's targets and the authentication requests", () => {
    expect(
      String.fromCharCode(TransactionStatus.Idle, TransactionStatus.InTransaction, TransactionStatus.Failed),
    ).toBe("ITE");
    expect(String.fromCharCode(TargetCode.Statement, TargetCode.Portal)).toBe("SP");
    expect([
      AuthenticationCode.Ok,
      AuthenticationCode.CleartextPassword,
      AuthenticationCode.MD5Password,
      AuthenticationCode.SASL,
      AuthenticationCode.SASLContinue,
      AuthenticationCode.SASLFinal,
    ]).toEqual([0, 3, 5, 10, 11, 12]);
  });
});

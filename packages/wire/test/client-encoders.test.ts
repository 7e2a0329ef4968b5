import {
  encodeCancelRequest,
  encodePasswordMessage,
  encodeSaslInitialResponse,
  encodeSaslResponse,
  encodeSslRequest,
  encodeStartup,
  encodeSync,
  encodeTerminate,
} from "@sluice/wire/client-encoders";
import { decodeClientFrame, parseSASLInitialResponse } from "@sluice/wire/client-messages";
import { createClientFrameBuffer } from "@sluice/wire/frame-buffer";
import { PROTOCOL_3_2 } from "@sluice/wire/limits";
import { byte, cstr, int32, tagged, untagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { expectWireError } from "./expect-wire-error";

describe("client encoders", () => {
  it("build the startup packet with exactly the given parameters, in order", () => {
    expect(encodeStartup({ user: "u", database: "d" })).toEqual(
      untagged(int32(196608), cstr("user"), cstr("u"), cstr("database"), cstr("d"), byte(0)),
    );
    expect(encodeStartup({ user: "u", client_encoding: "LATIN1" }, PROTOCOL_3_2)).toEqual(
      untagged(int32(196610), cstr("user"), cstr("u"), cstr("client_encoding"), cstr("LATIN1"), byte(0)),
    );
  });

  it("build a startup packet the client decoder reads back", () => {
    const frames = createClientFrameBuffer();
    frames.push(encodeStartup({ user: "agent", options: "-c search_path=app" }));
    const frame = frames.next();
    if (!frame) throw new Error("no frame");
    expect(decodeClientFrame(frame)).toMatchObject({
      name: "startup",
      protocolVersion: 196608,
      params: { user: "agent", options: "-c search_path=app" },
    });
  });

  it("build the authentication responses", () => {
    expect(encodePasswordMessage("md5abc")).toEqual(tagged("p", cstr("md5abc")));
    const initial = encodeSaslInitialResponse("SCRAM-SHA-256", "n,,n=,r=nonce");
    expect(initial).toEqual(tagged("p", cstr("SCRAM-SHA-256"), int32(13), Buffer.from("n,,n=,r=nonce")));
    expect(parseSASLInitialResponse(initial.subarray(5))).toEqual({
      mechanism: "SCRAM-SHA-256",
      initialResponse: Buffer.from("n,,n=,r=nonce"),
    });
    expect(encodeSaslResponse("c=biws,r=nonce,p=proof")).toEqual(
      tagged("p", Buffer.from("c=biws,r=nonce,p=proof")),
    );
  });

  it("refuse a NUL where pg-protocol would cut the string short", () => {
    expectWireError(() => encodePasswordMessage("pass\0word"), "22021");
    expectWireError(() => encodeSaslInitialResponse("SCRAM\0", "n,,"), "22021");
    expectWireError(() => encodeStartup({ user: "a\0b" }), "22021");
  });

  it("build the requests and one-word messages", () => {
    expect(encodeSslRequest()).toEqual(untagged(int32(80877103)));
    expect(encodeCancelRequest(5, byte(1, 2, 3, 4))).toEqual(
      untagged(int32(80877102), int32(5), byte(1, 2, 3, 4)),
    );
    expect(encodeCancelRequest(5, Buffer.alloc(32, 3))).toEqual(
      untagged(int32(80877102), int32(5), Buffer.alloc(32, 3)),
    );
    expect(encodeSync()).toEqual(Buffer.from([0x53, 0, 0, 0, 4]));
    expect(encodeTerminate()).toEqual(Buffer.from([0x58, 0, 0, 0, 4]));
  });
});

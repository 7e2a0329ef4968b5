import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cachingSha2Response, nativePasswordResponse } from "../src/mysql-auth";

describe("MySQL scrambles", () => {
  const sha1 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash("sha1")).digest();
  const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));

  // The server's check: it stores SHA1(SHA1(pw)) (what PASSWORD() shows) and recovers SHA1(pw).
  it("computes an answer the server's mysql_native_password check accepts", () => {
    const scramble = Buffer.from("0123456789abcdefghij");
    const stored = sha1(sha1(Buffer.from("secret")));
    const response = nativePasswordResponse("secret", scramble);
    expect(sha1(xor(response, sha1(scramble, stored)))).toEqual(stored);
    expect(sha1(xor(nativePasswordResponse("other", scramble), sha1(scramble, stored)))).not.toEqual(stored);
    expect(nativePasswordResponse("", scramble)).toEqual(Buffer.alloc(0));
    // MariaDB's PASSWORD('secret'), a published known answer.
    expect(stored.toString("hex").toUpperCase()).toBe("14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
  });

  it("computes caching_sha2_password's fast-auth answer", () => {
    expect(cachingSha2Response("secret", Buffer.from("0123456789abcdefghij")).length).toBe(32);
  });
});

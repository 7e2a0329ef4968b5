import { md5PasswordResponse } from "@sluice/secrets/md5-password";
import { describe, expect, it } from "vitest";

// Fixtures computed once with Python's hashlib:
//   inner = md5(password + user).hexdigest(); "md5" + md5(inner.encode() + salt).hexdigest()
// The inner hash for alice/pencil, md5ee69efad287c7423caf0b3229d71f567, is also what PostgreSQL 15
// stored in pg_authid for `create role alice password 'pencil'` under password_encryption=md5.
describe("md5PasswordResponse", () => {
  it.each([
    ["alice", "pencil", [1, 2, 3, 4], "md537cba386e8b90f1e3941a0e792722253"],
    ["agent", "sk_x", [0xde, 0xad, 0xbe, 0xef], "md52f71698e79b21c913c7e4b5a5298249f"],
  ])("answers %s / %s with PostgreSQL's formula", (user, password, salt, expected) => {
    expect(md5PasswordResponse(user, password, Buffer.from(salt))).toBe(expected);
  });

  it("depends on the salt, so a captured response cannot be replayed", () => {
    expect(md5PasswordResponse("alice", "pencil", Buffer.from([1, 2, 3, 5]))).not.toBe(
      "md537cba386e8b90f1e3941a0e792722253",
    );
  });

  it("refuses a salt that is not 4 bytes", () => {
    expect(() => md5PasswordResponse("alice", "pencil", Buffer.alloc(3))).toThrow(/4 bytes/);
  });
});

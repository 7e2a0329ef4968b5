import { createHash } from "node:crypto";
import { MD5_SALT_BYTES } from "./limits";

/**
 * PostgreSQL's md5 password response: `md5` + md5hex(md5hex(password + user) + salt). Kept only for
 * upstreams that still use md5 auth; the inner hash is what pg_authid stores for such roles.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  if (salt.length !== MD5_SALT_BYTES) {
    throw new RangeError(`the md5 salt must be ${MD5_SALT_BYTES} bytes, got ${salt.length}`);
  }
  const inner = md5Hex(Buffer.from(password + user, "utf8"));
  return `md5${md5Hex(Buffer.concat([Buffer.from(inner, "ascii"), salt]))}`;
}

function md5Hex(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

import { createHash } from "node:crypto";

/**
 * PostgreSQL's md5 password response: `md5` + md5(md5(password + user) + salt).
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  const inner = createHash("md5")
    .update(password + user)
    .digest("hex");
  return `md5${createHash("md5")
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest("hex")}`;
}

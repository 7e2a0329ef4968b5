import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** What the local provider must keep across restarts so signed-in sessions and tokens stay valid. */
const ZIdpMaterial = z.object({
  signingKey: z.record(z.string(), z.unknown()),
  cookieKey: z.string().min(32),
  clientSecret: z.string().min(32),
});
export type IdpMaterial = z.infer<typeof ZIdpMaterial>;

/** Reads the local provider's keys from `file`, creating them (mode 0600) on first start. */
export function loadIdpMaterial(file: string): IdpMaterial {
  if (existsSync(file)) return ZIdpMaterial.parse(JSON.parse(readFileSync(file, "utf8")));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const material: IdpMaterial = {
    signingKey: {
      ...privateKey.export({ format: "jwk" }),
      use: "sig",
      alg: "RS256",
      kid: randomBytes(8).toString("hex"),
    },
    cookieKey: randomBytes(32).toString("base64url"),
    clientSecret: randomBytes(32).toString("base64url"),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(material)}\n`, { mode: 0o600 });
  return material;
}

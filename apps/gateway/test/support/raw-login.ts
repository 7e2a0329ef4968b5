import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { bytes, errorFields, RawClient, type RawMessage } from "./raw-client";

/**
 * Salted passwords by token, salt and iterations: PBKDF2 is the client's whole cost of a login and
 * runs on the test's event loop (the gateway's too), so a fuzzer logging in thousands of times with
 * one token derives it once.
 */
const saltedPasswords = new Map<string, Buffer>();

function saltedPassword(token: string, salt: string, iterations: number): Buffer {
  const key = `${token}\0${salt}\0${iterations}`;
  let salted = saltedPasswords.get(key);
  if (!salted) {
    salted = pbkdf2Sync(token, Buffer.from(salt, "base64"), iterations, 32, "sha256");
    saltedPasswords.set(key, salted);
  }
  return salted;
}

/**
 * Logs a RawClient in with SCRAM-SHA-256, written here from RFC 5802 (not with the code under
 * test), and returns the messages up to the first ReadyForQuery. `timeoutMs` bounds each answer
 * (a long run on a loaded machine waits longer than a test does).
 */
export async function rawLogin(
  port: number,
  user: string,
  token: string,
  database: string,
  timeoutMs = 5000,
) {
  const client = await RawClient.connect(port);
  client.write(bytes.startup({ user, database }));
  const sasl = await client.readMessage(timeoutMs);
  if (sasl.type !== "R" || sasl.body.readInt32BE(0) !== 10)
    throw new Error(`expected AuthenticationSASL, got ${describe(sasl)}`);
  const clientNonce = randomBytes(18).toString("base64");
  const clientFirstBare = `n=,r=${clientNonce}`;
  client.write(bytes.saslInitial("SCRAM-SHA-256", `n,,${clientFirstBare}`));
  const cont = await client.readMessage(timeoutMs);
  if (cont.type !== "R" || cont.body.readInt32BE(0) !== 11)
    throw new Error(`expected SASLContinue, got ${describe(cont)}`);
  const serverFirst = cont.body.subarray(4).toString();
  const attrs = Object.fromEntries(serverFirst.split(",").map((kv) => [kv[0], kv.slice(2)]));
  const salted = saltedPassword(token, attrs["s"] ?? "", Number(attrs["i"]));
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs["r"]}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac("sha256", storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
  client.write(bytes.saslResponse(`${withoutProof},p=${proof.toString("base64")}`));
  const messages = await client.readUntil("Z", timeoutMs);
  return { client, messages };
}

function describe(message: RawMessage): string {
  return message.type === "E" ? `error ${JSON.stringify(errorFields(message.body))}` : `'${message.type}'`;
}

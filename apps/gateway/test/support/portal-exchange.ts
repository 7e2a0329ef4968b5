import type { Harness } from "./gateway-harness";
import { leakedValues } from "./masked-shop";
import type { RawMessage } from "./raw-client";
import { rawLogin } from "./raw-login";

/** A statement whose rows carry masked columns of the masked shop, and a clean one of the same width. */
export const MASKED_STATEMENT = "SELECT id, ssn, email, card_number FROM customers ORDER BY id";
export const CLEAN_STATEMENT = "SELECT id, status, status AS s2, status AS s3 FROM orders ORDER BY id";

/**
 * Sends raw extended-protocol batches on one new session, in order, each read up to its
 * ReadyForQuery; returns every message the gateway sent back.
 */
export async function exchangeBatches(harness: Harness, batches: Buffer[][]): Promise<RawMessage[]> {
  const { client } = await rawLogin(harness.port, harness.agent.name, harness.token, harness.connectionName);
  const messages: RawMessage[] = [];
  try {
    for (const batch of batches) {
      client.write(Buffer.concat(batch));
      messages.push(...(await client.readUntil("Z")));
    }
  } finally {
    client.close();
  }
  return messages;
}

/** The masked shop's sensitive values found in clear in any of the messages' bodies. */
export function leakedIn(messages: RawMessage[]): string[] {
  return leakedValues(Buffer.concat(messages.map((m) => m.body)).toString("latin1"));
}

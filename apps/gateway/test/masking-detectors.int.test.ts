import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { leakedValues as leaked, MASKED_PEOPLE as people, seedMaskedShop } from "./support/masked-shop";
import { receivedBytes } from "./support/received-bytes";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

describe("masking: content detectors for values whose origin is unknown", () => {
  const DETECT = "shop_detect";
  beforeAll(async () => {
    const connection = await harness.addTwinConnection(DETECT);
    await harness.prisma.maskingRule.createMany({
      data: [
        { connectionId: connection.id, name: "emails", detector: "email", strategy: "HASH" },
        { connectionId: connection.id, name: "ssns", detector: "us_ssn", strategy: "REDACT" },
        {
          connectionId: connection.id,
          name: "cards",
          detector: "payment_card",
          strategy: "PARTIAL",
          keepLast: 4,
        },
      ],
    });
    const client = new pg.Client({ connectionString: harness.directUrl });
    await client.connect();
    await client.query(`CREATE TABLE tickets (id int, body text, meta jsonb, order_no int);
      INSERT INTO tickets VALUES
        (1, 'Customer ${people[0]?.email} says her SSN ${people[0]?.ssn} leaked', '{"contact": "${people[1]?.email}", "card": "${people[1]?.cardNumber}"}', 123456789)`);
    await client.end();
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
  });

  const detectUrl = () => harness.urlFor(harness.agent.name, harness.token, DETECT);

  it("masks detected values quoted in errors, and refuses COPY, whose output it cannot search", async () => {
    const bytes = await receivedBytes(detectUrl(), async (client) => {
      const failed = await client.query("SELECT body::int FROM tickets").catch((error: Error) => error);
      expect((failed as Error).message).toMatch(
        /invalid input syntax for type integer: "Customer h_[0-9a-f]{16} says her SSN \[REDACTED\] leaked"/,
      );
      const copy = await client
        .query("COPY (SELECT body FROM tickets) TO STDOUT")
        .catch((error: Error) => error);
      expect((copy as Error).message).toContain("sluice:unmaskable-channel");
    });
    expect(leaked(bytes)).toEqual([]);
  });

  for (const mode of ["text", "binary"] as const) {
    it(`masks detected values inside text, JSON and whole rows (${mode}), and leaves order numbers alone`, async () => {
      const bytes = await receivedBytes(detectUrl(), async (client) => {
        const binary = mode === "binary" ? { binary: true, queryMode: "extended" } : {};
        const plain = await client.query({
          text: "SELECT body, meta, order_no FROM tickets",
          ...binary,
        } as pg.QueryConfig);
        const row = plain.rows[0] as { body: string; meta: unknown; order_no: number };
        if (mode === "text") {
          expect(row.body).toMatch(/^Customer h_[0-9a-f]{16} says her SSN \[REDACTED\] leaked$/);
          expect(row.meta).toMatchObject({
            contact: expect.stringMatching(/^h_[0-9a-f]{16}$/),
            card: expect.stringMatching(/^\*+\d{4}$/),
          });
          expect(row.order_no).toBe(123456789);
        }
        await client.query({
          text: "SELECT row_to_json(t) AS j, t::text AS r, array_agg(body) OVER () AS a FROM tickets t",
          ...binary,
        } as pg.QueryConfig);
      });
      expect(leaked(bytes)).toEqual([]);
      // Checked on the wire: node-postgres decodes every value as UTF-8 before its binary parsers
      // read it, so the int4 0x075BCD15 comes back from the driver as 123465663 whatever the gateway does.
      const orderNo =
        mode === "text" ? "123456789" : Buffer.from([0, 0, 0, 4, 0x07, 0x5b, 0xcd, 0x15]).toString("latin1");
      expect(bytes).toContain(orderNo);
    });
  }
});

describe("masking: notifications from other sessions", () => {
  async function notified(url: string, payload: string): Promise<string> {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      const received = new Promise<string>((resolve) =>
        listener.on("notification", (message) => resolve(message.payload ?? "")),
      );
      await listener.query("LISTEN news");
      const sender = new pg.Client({ connectionString: harness.directUrl });
      await sender.connect();
      await sender.query("SELECT pg_notify('news', $1)", [payload]);
      await sender.end();
      return await received;
    } finally {
      await listener.end();
    }
  }

  it("masks a payload whole under column rules, and what detectors find under content rules", async () => {
    const secret = `call ${people[2]?.email} about ${people[2]?.ssn}`;
    expect(await notified(harness.url, secret)).toBe("[REDACTED]");
    const detected = await notified(harness.urlFor(harness.agent.name, harness.token, "shop_detect"), secret);
    expect(detected).toMatch(/^call h_[0-9a-f]{16} about \[REDACTED\]$/);
  });
});

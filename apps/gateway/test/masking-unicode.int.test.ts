import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { receivedBytes } from "./support/received-bytes";

/**
 * Values an agent reads as an address, a card or an SSN though part of them is not ASCII: each
 * reached agents unmasked before the detectors folded look-alikes and accepted RFC 6531 addresses.
 * Each path is checked on what the real client received, not on what it parsed. (MySQL rows:
 * mysql/mysql-content-detectors.int.test.ts.)
 */
const SECRETS = {
  accented: "zoë@example.com",
  chinese: "用户@例子.广告",
  punycode: "ada@xn--mnchen-3ya.de",
  card: "４２４２ ４２４２ ４２４２ ４２４２",
  ssn: "１２３－４５－６７８９",
  /** Mathematical bold digits U+1D7CE–U+1D7D7: astral, each a surrogate pair (four UTF-8 bytes). */
  boldCard: "𝟒𝟐𝟒𝟐 𝟒𝟐𝟒𝟐 𝟒𝟐𝟒𝟐 𝟒𝟐𝟒𝟐",
  /** Monospace and double-struck digits mixed with ASCII. */
  mixedSsn: "𝟷𝟸𝟹-45-𝟞𝟟𝟠𝟡",
};
const NOTE = `Kontakt ${SECRETS.accented} oder ${SECRETS.chinese}, ${SECRETS.punycode}, Karte ${SECRETS.card}, SSN ${SECRETS.ssn}, ${SECRETS.boldCard} / ${SECRETS.mixedSsn} 𝟘k`;
const MASKED_NOTE =
  "Kontakt [REDACTED] oder [REDACTED], [REDACTED], Karte [REDACTED], SSN [REDACTED], [REDACTED] / [REDACTED] 𝟘k";

function leaked(utf8: string): string[] {
  return Object.values(SECRETS).filter((secret) => utf8.includes(secret));
}

const RULES = [
  { name: "emails", detector: "email", strategy: "REDACT" },
  { name: "cards", detector: "payment_card", strategy: "REDACT" },
  { name: "ssns", detector: "us_ssn", strategy: "REDACT" },
] as const;

describe("PostgreSQL wire: non-ASCII values found by the detectors", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
    const connection = await harness.addTwinConnection("intl_detect");
    await harness.prisma.maskingRule.createMany({
      data: RULES.map((rule) => ({ connectionId: connection.id, ...rule })),
    });
    const client = new pg.Client({ connectionString: harness.directUrl });
    await client.connect();
    await client.query("CREATE TABLE intl_notes (id int, note text)");
    await client.query("INSERT INTO intl_notes VALUES (1, $1)", [NOTE]);
    await client.end();
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
  });
  afterAll(() => harness?.stop());

  it("masks them in text, JSON and whole rows", async () => {
    const url = harness.urlFor(harness.agent.name, harness.token, "intl_detect");
    const bytes = await receivedBytes(url, async (client) => {
      const plain = await client.query("SELECT note FROM intl_notes");
      expect(plain.rows[0]?.note).toBe(MASKED_NOTE);
      await client.query("SELECT row_to_json(t) AS j, t::text AS r FROM intl_notes t");
    });
    expect(leaked(Buffer.from(bytes, "latin1").toString("utf8"))).toEqual([]);
  });
});

describe("HTTP: non-ASCII values found by the detectors", () => {
  let harness: HttpHarness;
  beforeAll(async () => {
    harness = await startHttpHarness();
    await harness.prisma.maskingRule.createMany({
      data: RULES.map((rule) => ({ connectionId: harness.connection.id, ...rule })),
    });
    await harness.reloadPolicy();
  });
  afterAll(() => harness?.stop());

  it("masks them in the JSON body the upstream returns", async () => {
    // The upstream echoes the order it received: the values come back in its response.
    const response = await harness.call("/shop/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ note: NOTE, contact: SECRETS.chinese }),
    });
    const text = await response.text();
    expect(leaked(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual({ received: { note: MASKED_NOTE, contact: "[REDACTED]" } });
  });
});

import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { nativeKeyedHash } from "@sluice/masking/native-keyed-hash";
import { allowNativeRowMasking } from "@sluice/masking/native-row-masker";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dataRowValues, extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, type RawClient, type RawMessage } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";

/**
 * Rows masked in one native call per upstream read (packages/masking/native/mask_rows.c), through
 * the real gateway and a real PostgreSQL: partial masks of text that is not ASCII, rows larger
 * than a socket read, result sets whose descriptions change within a read, and two portals
 * interleaved so that masking one's rows with the other's plan would show a card in clear. What
 * the client receives must be the same bytes with the native masker as with the JavaScript one
 * (the reference), and hold no clear value.
 */
let harness: Harness;

const ROWS = 1500;
/** Cards: ASCII, fullwidth digits, astral characters, a BOM first, combining marks, and long ones. */
function cardOf(i: number): string | null {
  switch (i % 9) {
    case 0:
      return null;
    case 1:
      return `4111-1111-1111-${String(1000 + i)}`;
    case 2:
      return `４２４２ ４２４２ ${String(i).padStart(4, "0")}`;
    case 3:
      return `😀${i}𝟒𝟐𝟒𝟐😀`;
    case 4:
      return `\ufeff5555 ${i} 4444`;
    case 5:
      return `e\u0301${i}e\u0301`;
    case 6:
      return i % 4 === 0 ? "" : "é";
    case 7:
      // Larger than a socket read: the row straddles reads and is joined on its own.
      return i % 100 === 7 ? `CARD${i}-${"日本4".repeat(30_000)}` : `6011${i}`;
    default:
      return `3782-${i}-日本`;
  }
}
const ssnOf = (i: number) =>
  i % 7 === 0
    ? null
    : `${String(100 + (i % 800)).padStart(3, "0")}-${String(i % 97).padStart(2, "0")}-${String(i).padStart(4, "0")}`;
const emailOf = (i: number) => `user${i}@例子.example`;

/** PARTIAL keepLast 4 as the rule means it, written here from its definition. */
function partial(value: string): string {
  const characters = [...value];
  const keep = Math.min(4, Math.floor(characters.length / 2));
  return "*".repeat(characters.length - keep) + characters.slice(characters.length - keep).join("");
}

/** Calls into the native row masker, counted so a run can show which masker wrote its rows. */
let nativeCalls = 0;

/** Wraps the module's createRowMasker before the gateway makes its masker (it keeps one per key). */
function countNativeCalls(): void {
  const module = nativeKeyedHash();
  const create = module?.createRowMasker;
  if (!module || !create) throw new Error("the native module (with createRowMasker) was not built");
  module.createRowMasker = (key, hashBytes, redacted) => {
    const maskRows = create(key, hashBytes, redacted);
    return (...args) => {
      nativeCalls += 1;
      return maskRows(...args);
    };
  };
}

beforeAll(async () => {
  countNativeCalls();
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(
    "CREATE TABLE intl_cards (id int PRIMARY KEY, card text, ssn text, email text, note text)",
  );
  const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
  await direct.query(
    "INSERT INTO intl_cards SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])",
    [ids, ids.map(cardOf), ids.map(ssnOf), ids.map(emailOf), ids.map((i) => `note ${i}`)],
  );
  await direct.end();
  const connection = await harness.prisma.connection.findUniqueOrThrow({
    where: { name: harness.connectionName },
  });
  for (const [name, column, strategy] of [
    ["card", "card", "PARTIAL"],
    ["ssn", "ssn", "REDACT"],
    ["email", "email", "HASH"],
  ] as const) {
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: connection.id,
        name,
        columnSelector: `public.intl_cards.${column}`,
        strategy,
        ...(strategy === "PARTIAL" ? { keepLast: 4 } : {}),
      },
    });
  }
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());
afterEach(() => allowNativeRowMasking(true));

async function login(): Promise<RawClient> {
  const { client } = await rawLogin(harness.port, harness.agent.name, harness.token, harness.connectionName);
  return client;
}

/** Every clear value of the table that reached the client. */
function leaked(messages: RawMessage[]): string[] {
  const text = Buffer.concat(messages.map((m) => m.body)).toString("utf8");
  const clear: string[] = [];
  for (let i = 1; i <= ROWS; i++) {
    const card = cardOf(i);
    // A card of eight characters or more shows at most half of itself: never all of it.
    if (card && [...card].length >= 8 && text.includes(card)) clear.push(card.slice(0, 40));
    const ssn = ssnOf(i);
    if (ssn && text.includes(ssn)) clear.push(ssn);
    if (text.includes(emailOf(i))) clear.push(emailOf(i));
  }
  return clear;
}

/** The rows of each result set (split at CommandComplete or PortalSuspended), as text. */
function resultSets(messages: RawMessage[]): (string | null)[][][] {
  const sets: (string | null)[][][] = [];
  let rows: (string | null)[][] = [];
  for (const message of messages) {
    if (message.type === "D") rows.push(dataRowValues(message.body));
    if (message.type === "C" || message.type === "s") {
      sets.push(rows);
      rows = [];
    }
  }
  return sets;
}

const TIMEOUT = 60_000;

/** Sends each step on a fresh login, reading to ReadyForQuery after each, native masker or not. */
async function exchange(isNative: boolean, steps: Buffer[]): Promise<RawMessage[]> {
  allowNativeRowMasking(isNative);
  const callsBefore = nativeCalls;
  const client = await login();
  try {
    const messages: RawMessage[] = [];
    for (const step of steps) {
      client.write(step);
      messages.push(...(await client.readUntil("Z", TIMEOUT)));
    }
    // The rows were the native masker's, or none of them were.
    expect(nativeCalls > callsBefore).toBe(isNative);
    return messages;
  } finally {
    client.close();
  }
}

/** The same exchange with the native masker and with the JavaScript one: the same bytes. */
async function bothWays(steps: Buffer[]): Promise<RawMessage[]> {
  const viaJavaScript = await exchange(false, steps);
  const viaNative = await exchange(true, steps);
  const flat = (messages: RawMessage[]) => messages.map((m) => `${m.type}${m.body.toString("hex")}`);
  expect(viaNative.length).toBe(viaJavaScript.length);
  const differing = flat(viaNative).findIndex((message, i) => message !== flat(viaJavaScript)[i]);
  expect(differing).toBe(-1);
  expect(viaNative.some((m) => m.type === "E")).toBe(false);
  expect(leaked(viaNative)).toEqual([]);
  return viaNative;
}

describe("native row masking through the gateway", () => {
  it("masks a multi-statement query whose descriptions change within a read", async () => {
    const messages = await bothWays([
      bytes.query(
        "SELECT card, ssn, email, id FROM intl_cards ORDER BY id; SELECT note, id FROM intl_cards ORDER BY id LIMIT 40; SELECT id, card FROM intl_cards ORDER BY id DESC",
      ),
    ]);
    const [first, second, third] = resultSets(messages);
    expect(first?.length).toBe(ROWS);
    first?.forEach((row, i) => {
      const card = cardOf(i + 1);
      expect(row[0]).toBe(card === null ? null : partial(card));
      expect(row[1]).toBe(ssnOf(i + 1) === null ? null : "[REDACTED]");
      expect(row[2]).toMatch(/^h_[0-9a-f]{16}$/);
    });
    expect(second?.map((row) => row[0])).toEqual(Array.from({ length: 40 }, (_, i) => `note ${i + 1}`));
    expect(third?.[0]?.[1]).toBe(partial(cardOf(ROWS) ?? ""));
  });

  it("masks binary-format rows of the extended protocol the same", async () => {
    const messages = await bothWays([
      Buffer.concat([
        extended.parse("", "SELECT card, ssn, note FROM intl_cards ORDER BY id"),
        extended.bind("", "", [1]),
        extended.execute(""),
        extended.sync(),
      ]),
    ]);
    expect(resultSets(messages)[0]?.length).toBe(ROWS);
  });

  it("masks each of two interleaved portals by its own plan", async () => {
    // p1's first column is a card, p2's a clean note: p1's rows masked with p2's plan would show it.
    const steps = [
      bytes.query("BEGIN"),
      Buffer.concat([
        extended.parse("s1", "SELECT card, ssn, id FROM intl_cards ORDER BY id"),
        extended.bind("p1", "s1"),
        extended.parse("s2", "SELECT note, card FROM intl_cards ORDER BY id DESC"),
        extended.bind("p2", "s2"),
        extended.describe("P", "p2"),
        extended.execute("p1", 7),
        extended.execute("p2", 5),
        extended.execute("p1", 400),
        extended.sync(),
      ]),
      Buffer.concat([extended.execute("p2", 3), extended.execute("p1", 0), extended.sync()]),
      bytes.query("COMMIT"),
    ];
    const messages = await bothWays(steps);
    const sets = resultSets(messages);
    // p1: 7, p2: 5, p1: 400, then p2: 3 and the rest of p1.
    expect(sets.slice(1, 6).map((rows) => rows.length)).toEqual([7, 5, 400, 3, ROWS - 407]);
    const p1 = [...(sets[1] ?? []), ...(sets[3] ?? []), ...(sets[5] ?? [])];
    p1.forEach((row, i) => {
      const card = cardOf(i + 1);
      expect(row[0]).toBe(card === null ? null : partial(card));
    });
  });
});

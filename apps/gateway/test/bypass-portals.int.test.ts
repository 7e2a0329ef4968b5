import { createRandom } from "@sluice/db/demo/random";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataRowValues, extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { MASKED_PEOPLE, SENSITIVE_VALUES, seedMaskedShop } from "./support/masked-shop";
import { bytes, errorFields, type RawClient, type RawMessage } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";

/**
 * Result masking belongs to the portal (or statement) whose rows are passing, whatever the
 * client interleaves: the reproduction of issue 14's second class, results of cursors and SQL-level
 * prepared statements, and a seeded random walk over the extended protocol's messages, with an
 * oracle that pairs every answer with the message that asked for it.
 */
let harness: Harness;
const people = MASKED_PEOPLE;
const SENSITIVE = SENSITIVE_VALUES;
const ORDER_STATUSES = ["paid", "shipped", "returned"];

beforeAll(async () => {
  harness = await startHarness();
  await seedMaskedShop(harness);
});
afterAll(() => harness?.stop());

async function login(): Promise<RawClient> {
  const { client } = await rawLogin(harness.port, harness.agent.name, harness.token, harness.connectionName);
  return client;
}

function leaked(messages: RawMessage[]): string[] {
  const text = Buffer.concat(messages.map((m) => m.body)).toString("utf8");
  return SENSITIVE.filter((value) => text.includes(value));
}

describe("per-portal result masking", () => {
  it("rows of one portal are never masked with another portal's description (issue 14 #2)", async () => {
    const client = await login();
    client.write(
      Buffer.concat([
        extended.parse("", "SELECT id, ssn, email, card_number FROM customers"),
        extended.bind("p2", ""),
        extended.parse("s3", "SELECT id FROM orders LIMIT 1"),
        extended.bind("p3", "s3"),
        extended.describe("P", "p3"),
        extended.execute("p2"),
        extended.sync(),
      ]),
    );
    const messages = await client.readUntil("Z");
    client.close();
    expect(messages.filter((m) => m.type === "D").length).toBe(people.length);
    expect(leaked(messages)).toEqual([]);
  });

  it("rows of a portal that was never described are masked by their own columns", async () => {
    const client = await login();
    client.write(
      Buffer.concat([
        extended.parse("", "SELECT first_name, ssn FROM customers ORDER BY id"),
        extended.bind("", ""),
        extended.execute(""),
        extended.sync(),
      ]),
    );
    const messages = await client.readUntil("Z");
    client.close();
    const rows = messages.filter((m) => m.type === "D").map((m) => dataRowValues(m.body));
    expect(messages.some((m) => m.type === "T")).toBe(false); // nothing the client did not ask for
    expect(rows.map((row) => row[0])).toEqual(people.map((p) => p.firstName));
    expect(leaked(messages)).toEqual([]);
  });

  it("a portal resumed in a later batch keeps its own plan, whatever ran in between", async () => {
    const client = await login();
    client.write(bytes.query("BEGIN"));
    await client.readUntil("Z");
    client.write(
      Buffer.concat([
        extended.parse("", "SELECT ssn || '' AS s, email FROM customers ORDER BY id"),
        extended.bind("cur", ""),
        extended.describe("P", "cur"),
        extended.execute("cur", 2),
        extended.sync(),
      ]),
    );
    const first = await client.readUntil("Z");
    client.write(
      Buffer.concat([
        extended.parse("", "SELECT status FROM orders ORDER BY id"),
        extended.bind("other", ""),
        extended.describe("P", "other"),
        extended.execute("other"),
        extended.execute("cur"),
        extended.sync(),
      ]),
    );
    const second = await client.readUntil("Z");
    client.write(bytes.query("COMMIT"));
    await client.readUntil("Z");
    client.close();
    const statuses = second
      .filter((m) => m.type === "D")
      .map((m) => dataRowValues(m.body)[0])
      .filter((value): value is string => typeof value === "string" && ORDER_STATUSES.includes(value));
    expect(statuses).toEqual(ORDER_STATUSES);
    expect(second.filter((m) => m.type === "D").length).toBe(3 + people.length - 2);
    expect(leaked([...first, ...second])).toEqual([]);
  });

  for (const [label, declare, fetch] of [
    [
      "a cursor",
      "DECLARE c CURSOR WITH HOLD FOR SELECT ssn || '' AS s, email || '' FROM customers",
      "FETCH ALL c",
    ],
    [
      "a SQL-level prepared statement",
      "PREPARE q AS SELECT ssn || '' AS s, upper(email) FROM customers",
      "EXECUTE q",
    ],
  ] as const) {
    it(`computed columns read through ${label} are masked`, async () => {
      const client = await login();
      client.write(bytes.query(declare));
      await client.readUntil("Z");
      client.write(bytes.query(fetch));
      const simple = await client.readUntil("Z");
      client.write(
        Buffer.concat([
          extended.parse("", fetch.replace("ALL", "ALL IN")),
          extended.bind("", ""),
          extended.describe("P", ""),
          extended.execute(""),
          extended.sync(),
        ]),
      );
      const viaExtended = await client.readUntil("Z");
      client.close();
      expect(simple.some((m) => m.type === "D")).toBe(true);
      expect(leaked([...simple, ...viaExtended])).toEqual([]);
    });
  }
});

/** One of the statements the random walk prepares, and what its rows must look like. */
type Shape = { sql: string; columns: number; isSensitive: boolean };
const SHAPES: Shape[] = [
  { sql: "SELECT id, ssn, email, card_number FROM customers ORDER BY id", columns: 4, isSensitive: true },
  {
    sql: "SELECT ssn || '' AS s, upper(email) AS e FROM customers ORDER BY id",
    columns: 2,
    isSensitive: true,
  },
  { sql: "SELECT id, status FROM orders ORDER BY id", columns: 2, isSensitive: false },
  { sql: "SELECT first_name FROM customers ORDER BY id", columns: 1, isSensitive: false },
];

/** Seeded walk: the same cases on every run, different across seeds. */
function walk(seed: number) {
  const { next: random, pick } = createRandom(seed);
  const messages: Buffer[] = [];
  /** What the server answers each message with, in order (for the oracle). */
  const asks: Array<{ kind: "execute"; portal: string } | { kind: "other" }> = [];
  const statements = new Map<string, Shape>();
  const portals = new Map<string, Shape>();
  const steps = 6 + Math.floor(random() * 10);
  for (let i = 0; i < steps; i++) {
    const choice = random();
    if (choice < 0.25 || statements.size === 0) {
      const name = `s${seed}_${statements.size}`;
      const shape = pick(SHAPES);
      statements.set(name, shape);
      messages.push(extended.parse(name, shape.sql));
      asks.push({ kind: "other" });
      if (random() < 0.4) {
        messages.push(extended.describe("S", name));
        asks.push({ kind: "other" });
      }
    } else if (choice < 0.5) {
      const [name, shape] = pick([...statements]);
      const portal = `p${portals.size}`;
      portals.set(portal, shape);
      const perColumn = Array.from({ length: shape.columns }, (_, column) => (column + i) % 2);
      messages.push(extended.bind(portal, name, pick([[], [0], [1], perColumn])));
      asks.push({ kind: "other" });
    } else if (choice < 0.65 && portals.size > 0) {
      messages.push(extended.describe("P", pick([...portals.keys()])));
      asks.push({ kind: "other" });
    } else if (choice < 0.95 && portals.size > 0) {
      const portal = pick([...portals.keys()]);
      messages.push(extended.execute(portal, pick([0, 0, 1, 3])));
      asks.push({ kind: "execute", portal });
    } else {
      messages.push(extended.flush());
    }
  }
  messages.push(extended.sync());
  return { bytes: Buffer.concat(messages), asks, portals };
}

describe("per-portal result masking, random interleavings", () => {
  it("every row is masked as its own portal's columns require (200 seeded batches)", async () => {
    const client = await login();
    client.write(bytes.query("BEGIN"));
    await client.readUntil("Z");
    for (let seed = 1; seed <= 200; seed++) {
      const batch = walk(seed);
      client.write(batch.bytes);
      const answers = await client.readUntil("Z");
      const error = answers.find((m) => m.type === "E");
      expect(error && errorFields(error.body), `seed ${seed}`).toBeUndefined();
      // Pair rows with the Execute that produced them: every ask but Flush gets one closing answer.
      const executes = batch.asks.filter((ask) => ask.kind === "execute");
      let current = 0;
      for (const message of answers) {
        const ask = executes[current] as { portal: string } | undefined;
        if (message.type === "D") {
          const shape = batch.portals.get(ask?.portal ?? "") as Shape;
          const values = dataRowValues(message.body).join("|");
          if (shape.isSensitive) {
            expect(
              SENSITIVE.filter((value) => values.includes(value)),
              `seed ${seed}`,
            ).toEqual([]);
          } else {
            // Not over-masked either: a harmless portal's values arrive as the server sent them.
            expect(values, `seed ${seed}`).not.toContain("REDACTED");
          }
        } else if (message.type === "C" || message.type === "s") {
          current += 1;
        }
      }
      expect(leaked(answers), `seed ${seed}`).toEqual([]);
      // Portals live until the transaction ends; start each batch with none.
      client.write(Buffer.concat([bytes.query("COMMIT"), bytes.query("BEGIN")]));
      await client.readUntil("Z");
      await client.readUntil("Z");
    }
    client.close();
  });
});

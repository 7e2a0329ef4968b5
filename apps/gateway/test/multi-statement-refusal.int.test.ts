import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, type RawClient, type RawMessage } from "./support/raw-client";
import { run } from "./support/run";
import { loginAs, type Side } from "./support/side-by-side";

/**
 * A simple Query of several statements with one of them refused is answered as the server answers
 * the same text when that statement fails there: the statements before it run (their rows, their
 * CommandComplete), the error comes where the refused one starts, the rest is skipped, and the
 * implicit transaction rolls back unless the text itself commits. The oracle is the real server:
 * the refused statement reads a server file, which the brokered role may not do either, so
 * directly it fails at the same point with the server's own 42501.
 */

const R = "SELECT pg_read_file('/etc/hostname')";

/** Each case is the Query messages sent, in order, on one fresh session; `R` is the refused statement. */
const CORPUS: string[][] = [
  [`SELECT 1 AS a; ${R}; SELECT 2 AS b`],
  [`INSERT INTO ledger VALUES (1); ${R}; INSERT INTO ledger VALUES (2)`],
  [`INSERT INTO ledger VALUES (1) RETURNING id; SELECT id FROM ledger; ${R}`],
  [`SELECT 1; SELECT 2; SELECT 3; ${R}; SELECT 4`],
  [`INSERT INTO ledger VALUES (1); COMMIT; INSERT INTO ledger VALUES (2); ${R}`],
  [`BEGIN; INSERT INTO ledger VALUES (1); COMMIT; ${R}; SELECT 3`],
  [`BEGIN; INSERT INTO ledger VALUES (1); ${R}; COMMIT`, "SELECT 1", "COMMIT"],
  [`BEGIN; INSERT INTO ledger VALUES (1); ${R}`, "ROLLBACK"],
  ["BEGIN", `INSERT INTO ledger VALUES (1); ${R}; SELECT 1`, "COMMIT"],
  [
    `BEGIN; SAVEPOINT s; INSERT INTO ledger VALUES (1); ${R}; ROLLBACK TO s; COMMIT`,
    "ROLLBACK TO s",
    "COMMIT",
  ],
  [
    `BEGIN; INSERT INTO ledger VALUES (1); SAVEPOINT s; INSERT INTO ledger VALUES (2); RELEASE s; ${R}`,
    "COMMIT",
  ],
  ["BEGIN; SAVEPOINT s", `INSERT INTO ledger VALUES (1); ${R}`, "ROLLBACK TO s", "COMMIT"],
  [`SELECT 'a;b' AS semi, ';' AS other; ${R}; SELECT 'c;d'`],
  [`SELECT $$x;y$$ AS dollar, $t$;$t$ AS tagged; /* a comment; with semicolons */ ${R}; SELECT 1`],
  [`-- a leading comment; with a semicolon\nSELECT 1 AS one; -- trailing\n${R};\nSELECT 2`],
  [`SELECT 'é€😀' AS multibyte, 'ü' AS more; ${R}; SELECT 'ñ'`],
  [`SELECT E'quote\\';' AS escaped, "semi;colon" FROM (SELECT 1 AS "semi;colon") s; ${R}`],
  [`SELECT 1;;; ${R};; SELECT 2`],
  [`SELECT 1/0; ${R}; SELECT 2`],
  [`INSERT INTO ledger VALUES (1); SELECT 1/0; ${R}`],
  [`SELECT 1; SELECT nosuchcolumn; ${R}`],
  ["BEGIN; SELECT 1/0", `SELECT 1; ${R}`, "ROLLBACK"],
  ["BEGIN; SELECT 1/0", `ROLLBACK; INSERT INTO ledger VALUES (1); ${R}`, "SELECT 1"],
  [`COMMIT; ${R}`],
  [`ROLLBACK; ${R}`],
  [`SET LOCAL statement_timeout = 1000; ${R}`, "SHOW statement_timeout"],
  [`SET statement_timeout = 1000; ${R}`, "SHOW statement_timeout"],
  [`SELECT 1 AS a; ${R}; ${R}`],
  [`INSERT INTO ledger SELECT generate_series(1, 3); SELECT count(*) FROM ledger; ${R}; SELECT 0`],
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query("CREATE TABLE ledger (id int)");
  await direct.end();
});
afterAll(() => harness?.stop());

const login = (side: Side, database = harness.connectionName) => loginAs(harness, side, database);

/** Every message up to ReadyForQuery: an error by its code and severity, anything else byte for byte. */
async function answerTo(client: RawClient, sql: string): Promise<string[]> {
  client.write(bytes.query(sql));
  const seen: string[] = [];
  for (;;) {
    const message = await client.readMessage();
    seen.push(shown(message));
    if (message.type === "Z") return seen;
  }
}

function shown(message: RawMessage): string {
  if (message.type !== "E") return `${message.type}:${message.body.toString("hex")}`;
  const fields = errorFields(message.body);
  return `E:${fields["S"]}:${fields["C"]}`;
}

/** The ledger's rows, then emptied for the next case. */
async function takeLedger(): Promise<number[]> {
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  try {
    const result = await direct.query("SELECT id FROM ledger ORDER BY id");
    await direct.query("TRUNCATE ledger");
    return result.rows.map((row: { id: number }) => row.id);
  } finally {
    await direct.end();
  }
}

async function outcome(side: Side, messages: string[]) {
  const client = await login(side);
  const answers: string[][] = [];
  try {
    for (const sql of messages) answers.push(await answerTo(client, sql));
  } finally {
    client.close();
  }
  return { answers, ledger: await takeLedger() };
}

describe("a refused statement inside a simple Query of several", () => {
  for (const messages of CORPUS) {
    it(`answers ${JSON.stringify(messages)} as the server does when that statement fails`, async () => {
      const direct = await outcome("direct", messages);
      const gateway = await outcome("gateway", messages);
      expect(gateway).toEqual(direct);
    });
  }

  it("runs the statements before the refusal: their rows arrive, and the refusal is Sluice's", async () => {
    const client = await login("gateway");
    try {
      client.write(bytes.query(`SELECT 'before' AS w; ${R}; SELECT 'after' AS w`));
      const messages = await client.readUntil("Z");
      expect(messages.map((m) => m.type)).toEqual(["T", "D", "C", "E", "Z"]);
      expect(messages[1]?.body.toString()).toContain("before");
      const error = errorFields(messages[3]?.body ?? Buffer.alloc(0));
      expect(error).toMatchObject({ C: "42501", M: expect.stringContaining("Sluice") });
    } finally {
      client.close();
    }
  });

  it("refuses the whole message when its first statement is refused: nothing of it runs", async () => {
    const client = await login("gateway");
    try {
      client.write(bytes.query(`${R}; INSERT INTO ledger VALUES (1)`));
      const messages = await client.readUntil("Z");
      expect(messages.map((m) => m.type)).toEqual(["E", "Z"]);
    } finally {
      client.close();
    }
    expect(await takeLedger()).toEqual([]);
  });
});

describe("masking of the statements that run before a refusal", () => {
  const EMAILS = ["ada@example.com", "grace@example.org"];

  it("masks their rows as it masks the same statements sent alone", async () => {
    const admin = new pg.Client({ connectionString: harness.upstreamAdminUrl });
    await admin.connect();
    const role = decodeURIComponent(new URL(harness.directUrl).username);
    await admin.query(`CREATE TABLE contacts (email text); GRANT SELECT ON contacts TO ${role}`);
    await admin.query("INSERT INTO contacts SELECT unnest($1::text[])", [EMAILS]);
    await admin.end();
    const twin = await harness.addTwinConnection("shop_masked_multi");
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: twin.id,
        name: "email",
        columnSelector: "public.contacts.email",
        strategy: "REDACT",
      },
    });
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();

    const client = await login("gateway", "shop_masked_multi");
    try {
      const alone = (
        await answerTo(client, "SELECT email, upper(email) AS e FROM contacts ORDER BY 1")
      ).slice(0, -1);
      const before = await answerTo(client, `SELECT email, upper(email) AS e FROM contacts ORDER BY 1; ${R}`);
      expect(before.slice(0, alone.length)).toEqual(alone);
      expect(before.slice(alone.length)).toEqual([expect.stringMatching(/^E:ERROR:42501$/), "Z:49"]);
      const received = Buffer.from(before.join("")).toString().toLowerCase();
      for (const email of EMAILS) {
        expect(received).not.toContain(Buffer.from(email).toString("hex"));
        expect(received).not.toContain(Buffer.from(email.toUpperCase()).toString("hex"));
      }
    } finally {
      client.close();
    }
  });
});

describe("a MULTI_STATEMENT deny rule", () => {
  const CONNECTION = "shop_one_at_a_time";
  const direct = async (sql: string) => {
    const client = new pg.Client({ connectionString: harness.directUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  const psql = (sql: string) =>
    run("psql", [
      "-X",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
      harness.urlFor(harness.agent.name, harness.token, CONNECTION),
    ]);

  beforeAll(async () => {
    await direct(
      "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2), (3); CREATE SEQUENCE tick",
    );
    const twin = await harness.addTwinConnection(CONNECTION);
    await harness.prisma.guardrailRule.create({
      data: {
        connectionId: twin.id,
        name: "one-at-a-time",
        kind: "MULTI_STATEMENT",
        effect: "DENY",
        match: {},
      },
    });
    await bumpPolicyVersion(harness.prisma);
    await harness.gateway.policies.reload();
  });

  const tick = () => direct("SELECT last_value::int AS last, is_called FROM tick");

  it('refuses psql -c "select 1; delete from orders" before any of it reaches the server', async () => {
    const result = await psql("select 1; delete from orders");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('blocked by guardrail "one-at-a-time"');
    expect(result.stderr).toContain("the message holds 2 statements");
    // psql prints every result of a -c string (PostgreSQL 15+): the first statement's row would show.
    expect(result.stdout).toBe("");
    expect(await direct("SELECT count(*)::int AS n FROM orders")).toEqual([{ n: 3 }]);
  });

  it("runs none of the statements before the second, not even one whose effect outlives a rollback", async () => {
    // The same statement alone is allowed and moves the sequence: the check below can see it run.
    expect(await tick()).toEqual([{ last: 1, is_called: false }]);
    expect(await psql("select nextval('tick')")).toMatchObject({ code: 0, stdout: "1\n" });
    expect(await tick()).toEqual([{ last: 1, is_called: true }]);

    const result = await psql("select nextval('tick'); delete from orders");
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(await tick()).toEqual([{ last: 1, is_called: true }]);
    expect(await direct("SELECT count(*)::int AS n FROM orders")).toEqual([{ n: 3 }]);
  });
});

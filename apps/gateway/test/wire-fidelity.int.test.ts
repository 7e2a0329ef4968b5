import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import Cursor from "pg-cursor";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extended } from "./support/extended";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, type RawClient, type RawMessage } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";
import { run } from "./support/run";
import { loginAs, type Side } from "./support/side-by-side";

/**
 * Refusals and protocol edges answered the way PostgreSQL answers them (issue 21): the same
 * messages, at the same point of the stream, with the same effect on the transaction. The real
 * server, reached directly with the brokered role, is the oracle for every case.
 */

/** Refused by Sluice's built-in defaults (a server file read), whatever the connection's rules. */
const DENIED = "SELECT pg_read_file('/etc/hostname')";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query("CREATE TABLE ledger (id int)");
  await direct.end();
});
afterAll(() => harness?.stop());

/** Types of the messages read until `last` (an ErrorResponse shown as E:<SQLSTATE>), or until quiet. */
async function readTypes(client: RawClient, last: string | null, quietMs = 300): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    let message: RawMessage;
    try {
      message = await client.readMessage(last === null ? quietMs : 5000);
    } catch (error) {
      if (last === null) return seen;
      throw new Error(`after ${JSON.stringify(seen)}: ${String(error)}`);
    }
    seen.push(describeMessage(message));
    if (message.type === last) return seen;
  }
}

function describeMessage(message: RawMessage): string {
  if (message.type === "E") return `E:${errorFields(message.body)["C"]}`;
  if (message.type === "Z") return `Z:${message.body.toString()}`;
  return message.type;
}

/** Runs the same byte exchange against the server and through the gateway. */
async function bothSides(
  exchange: (client: RawClient) => Promise<string[]>,
): Promise<Record<Side, string[]>> {
  const result = {} as Record<Side, string[]>;
  for (const side of ["direct", "gateway"] as const) {
    const client = await loginAs(harness, side);
    try {
      result[side] = await exchange(client);
    } finally {
      client.close();
    }
  }
  return result;
}

async function ledgerRows(): Promise<number> {
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  try {
    const result = await direct.query("SELECT count(*)::int AS n FROM ledger");
    await direct.query("TRUNCATE ledger");
    return result.rows[0].n;
  } finally {
    await direct.end();
  }
}

describe("a refusal is answered where the server answers an error (Flush before Sync)", () => {
  it("answers a refused Parse followed by Describe and Flush at once, without waiting for Sync", async () => {
    const exchange = (refused: string) => async (client: RawClient) => {
      client.write(
        Buffer.concat([extended.parse("", refused), extended.describe("S", ""), extended.flush()]),
      );
      const beforeSync = await readTypes(client, "E");
      client.write(extended.sync());
      return [...beforeSync, "|sync|", ...(await readTypes(client, "Z"))];
    };
    const seen = await bothSides(exchange("SELEC 1"));
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["E:42601", "|sync|", "Z:I"]);
    // The server would run this one; Sluice's refusal takes the place a server error would.
    const gateway = await loginAs(harness, "gateway");
    try {
      expect(await exchange(DENIED)(gateway)).toEqual(["E:42501", "|sync|", "Z:I"]);
    } finally {
      gateway.close();
    }
  });

  it("answers a refused Parse with nothing after it, not even a Flush: the server flushes errors at once", async () => {
    const seen = await bothSides(async (client) => {
      client.write(extended.parse("", "SELEC 1"));
      const error = await readTypes(client, "E");
      client.write(extended.sync());
      return [...error, ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["E:42601", "Z:I"]);
  });

  it("answers the messages before the refusal first, then the refusal, then nothing until Sync", async () => {
    const seen = await bothSides(async (client) => {
      client.write(
        Buffer.concat([
          extended.parse("", "SELECT 1"),
          extended.bind("", ""),
          extended.execute(""),
          extended.parse("", "SELEC 2"),
          extended.bind("", ""),
          extended.execute(""),
          extended.flush(),
        ]),
      );
      const beforeSync = await readTypes(client, "E");
      const afterError = await readTypes(client, null);
      client.write(extended.sync());
      return [...beforeSync, ...afterError, "|sync|", ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["1", "2", "D", "C", "E:42601", "|sync|", "Z:I"]);
  });

  it("answers a refused Bind (a statement it never prepared) before Sync", async () => {
    const seen = await bothSides(async (client) => {
      client.write(
        Buffer.concat([extended.bind("", "never_prepared"), extended.execute(""), extended.flush()]),
      );
      const beforeSync = await readTypes(client, "E");
      client.write(extended.sync());
      return [...beforeSync, "|sync|", ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
  });

  // A hang fails these by the test's timeout: an answer that is merely slow (a busy machine) is not one.
  it("pg with a cursor (Execute + Flush) gets the denial instead of hanging", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const cursor = client.query(new Cursor(DENIED));
      const error = await cursor.read(10).catch((e: pg.DatabaseError) => e);
      expect(error).toMatchObject({ code: "42501" });
      await cursor.close().catch(() => {});
      expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    } finally {
      await client.end();
    }
  });

  it("postgres.js (Parse + Describe + Flush) gets the denial instead of hanging", async () => {
    const sql = postgres(harness.url, { max: 1, onnotice: () => {} });
    try {
      const error = await sql
        .unsafe("SELECT pg_read_file($1)", ["/etc/hostname"])
        .catch((e: { code?: string }) => e);
      expect(error).toMatchObject({ code: "42501" });
      expect(await sql`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

describe("a refusal aborts the transaction as the server's own error does", () => {
  for (const refused of ["SELEC 1", DENIED]) {
    it(`simple protocol, refused ${JSON.stringify(refused)}: 25P02 after it, COMMIT rolls back, nothing kept`, async () => {
      const outcomes: Record<string, unknown[]> = {};
      for (const [side, url] of [
        ["direct", harness.directUrl],
        ["gateway", harness.url],
      ] as const) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const steps: unknown[] = [];
        try {
          for (const sql of ["BEGIN", "INSERT INTO ledger VALUES (1)", refused, "SELECT 1", "COMMIT"]) {
            const result = await client.query(sql).catch((e: pg.DatabaseError) => e);
            steps.push(result instanceof Error ? (result as pg.DatabaseError).code : result.command);
          }
        } finally {
          await client.end();
        }
        outcomes[side] = [...steps, await ledgerRows()];
      }
      // The brokered role may not read server files either: directly, that is an error too.
      const code = refused === DENIED ? "42501" : "42601";
      expect(outcomes["direct"]).toEqual(["BEGIN", "INSERT", code, "25P02", "ROLLBACK", 0]);
      expect(outcomes["gateway"]).toEqual(["BEGIN", "INSERT", code, "25P02", "ROLLBACK", 0]);
    });
  }

  it("psql prints the same transcript through Sluice as directly, and keeps nothing", async () => {
    const script =
      "BEGIN;\nINSERT INTO ledger VALUES (1);\nSELEC 1;\nSELECT 1 AS one;\nCOMMIT;\nSELECT 2 AS two;\n";
    const transcripts: Record<string, unknown> = {};
    for (const [side, url] of [
      ["direct", harness.directUrl],
      ["gateway", harness.url],
    ] as const) {
      const psql = await run("psql", ["-X", "-f", "-", url], { input: script });
      // Sluice's hint (naming the default that refused it) is the one line the server does not print.
      const stderr = psql.stderr.split("\n").filter((line) => !line.startsWith("HINT:"));
      transcripts[side] = { stdout: psql.stdout, stderr, kept: await ledgerRows() };
    }
    expect(transcripts["gateway"]).toEqual(transcripts["direct"]);
    expect(transcripts["direct"]).toMatchObject({ stdout: expect.stringContaining("ROLLBACK"), kept: 0 });
  });

  it("ReadyForQuery says 'E' after a refusal inside a block, like after the server's error", async () => {
    const seen = await bothSides(async (client) => {
      client.write(Buffer.concat([bytes.query("BEGIN"), bytes.query("SELEC 1"), bytes.query("SELECT 1")]));
      // One ReadyForQuery per Query: read all three, however slowly they come.
      return [
        ...(await readTypes(client, "Z")),
        ...(await readTypes(client, "Z")),
        ...(await readTypes(client, "Z")),
      ];
    });
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["C", "Z:T", "E:42601", "Z:E", "E:25P02", "Z:E"]);
  });

  for (const refused of ["SELEC 1", DENIED]) {
    it(`extended protocol, refused ${JSON.stringify(refused)} mid-batch: the batch's earlier Execute is rolled back`, async () => {
      const kept: Record<Side, number> = { direct: -1, gateway: -1 };
      for (const side of ["direct", "gateway"] as const) {
        const client = await loginAs(harness, side);
        try {
          client.write(
            Buffer.concat([
              extended.parse("", "INSERT INTO ledger VALUES (1)"),
              extended.bind("", ""),
              extended.execute(""),
              extended.parse("", refused),
              extended.bind("", ""),
              extended.execute(""),
              extended.sync(),
            ]),
          );
          await readTypes(client, "Z");
        } finally {
          client.close();
        }
        kept[side] = await ledgerRows();
      }
      expect(kept).toEqual({ direct: 0, gateway: 0 });
    });
  }
});

describe("a refusal inside a batch under masking", () => {
  const EMAILS = ["ada@example.com", "grace@example.org"];

  it("masks the rows of the batch's statements before the refusal, which still arrive", async () => {
    const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
    await direct.connect();
    const role = decodeURIComponent(new URL(harness.directUrl).username);
    await direct.query(`CREATE TABLE contacts (email text); GRANT SELECT ON contacts TO ${role}`);
    await direct.query("INSERT INTO contacts SELECT unnest($1::text[])", [EMAILS]);
    await direct.end();
    // A twin connection carries the masking rule, so the other cases here keep an unmasked session.
    const shop = await harness.prisma.connection.findUniqueOrThrow({
      where: { name: harness.connectionName },
    });
    const url = new URL(harness.directUrl);
    const twin = await harness.addConnection({
      name: "shop_masked",
      host: shop.host,
      port: shop.port,
      database: shop.database,
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      tlsMode: "DISABLE",
    });
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

    const { client } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop_masked");
    try {
      // A computed column: only the masking scope of the statement (not a column origin) covers it.
      client.write(
        Buffer.concat([
          extended.parse("", "SELECT upper(email) AS e FROM contacts"),
          extended.bind("", ""),
          extended.describe("P", ""),
          extended.execute(""),
          extended.parse("", DENIED),
          extended.sync(),
        ]),
      );
      const messages: RawMessage[] = [];
      for (;;) {
        const message = await client.readMessage();
        messages.push(message);
        if (message.type === "Z") break;
      }
      expect(messages.map(describeMessage)).toEqual(["1", "2", "T", "D", "D", "C", "E:42501", "Z:I"]);
      const received = Buffer.concat(messages.map((m) => m.body))
        .toString("latin1")
        .toLowerCase();
      for (const email of EMAILS) expect(received).not.toContain(email);
    } finally {
      client.close();
    }
  });
});

describe("what the server says about a statement that does not parse", () => {
  it("42601 with the server's message and position, in both protocols", async () => {
    for (const sql of [
      "SELEC 1",
      "SELECT 1 FROM WHERE x",
      "SELECT 'unterminated",
      "SELECT 'é', 'ü' FROM WHERE",
    ]) {
      const fields: Record<string, Record<string, string>[]> = {};
      for (const url of [harness.directUrl, harness.url]) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const simple = (await client.query(sql).catch((e: pg.DatabaseError) => e)) as pg.DatabaseError;
          const extended = (await client
            .query({ text: sql, values: [] })
            .catch((e: pg.DatabaseError) => e)) as pg.DatabaseError;
          fields[url] = [simple, extended].map((e) => ({
            code: e.code ?? "",
            message: e.message,
            position: e.position ?? "",
          }));
        } finally {
          await client.end();
        }
      }
      expect(fields[harness.url]).toEqual(fields[harness.directUrl]);
      expect(fields[harness.directUrl]?.map((f) => f.code)).toEqual(["42601", "42601"]);
    }
  });

  it("Sluice's own refusals keep their distinct code, 42501", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const error = await client.query(DENIED).catch((e: pg.DatabaseError) => e);
      expect(error).toMatchObject({ code: "42501", message: expect.stringContaining("Sluice") });
    } finally {
      await client.end();
    }
  });
});

describe("empty queries", () => {
  it("answers EmptyQueryResponse exactly as the server does, simple and extended", async () => {
    for (const sql of ["", ";", "   \n\t", "-- only a comment", "/* block */ ;"]) {
      const seen = await bothSides(async (client) => {
        client.write(bytes.query(sql));
        const simple = await readTypes(client, "Z");
        client.write(
          Buffer.concat([
            extended.parse("", sql),
            extended.bind("", ""),
            extended.describe("P", ""),
            extended.execute(""),
            extended.sync(),
          ]),
        );
        return [...simple, "|extended|", ...(await readTypes(client, "Z"))];
      });
      expect(seen.gateway, JSON.stringify(sql)).toEqual(seen.direct);
    }
  });
});

import net from "node:net";
import tls from "node:tls";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import Cursor from "pg-cursor";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, int32, RawClient, type RawMessage } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";
import { run } from "./support/run";

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

/** Frontend messages of the extended protocol, built here, independent of the code under test. */
const ext = {
  parse: (sql: string, name = "") => bytes.tagged("P", Buffer.from(`${name}\0${sql}\0\0\0`)),
  bind: (statement = "", portal = "") =>
    bytes.tagged("B", Buffer.concat([Buffer.from(`${portal}\0${statement}\0`), Buffer.alloc(6)])),
  describePortal: (portal = "") => bytes.tagged("D", Buffer.from(`P${portal}\0`)),
  describeStatement: (name = "") => bytes.tagged("D", Buffer.from(`S${name}\0`)),
  execute: (portal = "", maxRows = 0) =>
    bytes.tagged("E", Buffer.concat([Buffer.from(`${portal}\0`), int32(maxRows)])),
  flush: () => bytes.tagged("H", Buffer.alloc(0)),
  sync: () => bytes.tagged("S", Buffer.alloc(0)),
};

type Side = "gateway" | "direct";

async function login(side: Side): Promise<RawClient> {
  if (side === "gateway") {
    return (await rawLogin(harness.port, harness.agent.name, harness.token, harness.connectionName)).client;
  }
  const url = new URL(harness.directUrl);
  const session = await rawLogin(
    Number(url.port),
    decodeURIComponent(url.username),
    decodeURIComponent(url.password),
    url.pathname.slice(1),
  );
  return session.client;
}

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
    const client = await login(side);
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
      client.write(Buffer.concat([ext.parse(refused), ext.describeStatement(), ext.flush()]));
      const beforeSync = await readTypes(client, "E");
      client.write(ext.sync());
      return [...beforeSync, "|sync|", ...(await readTypes(client, "Z"))];
    };
    const seen = await bothSides(exchange("SELEC 1"));
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["E:42601", "|sync|", "Z:I"]);
    // The server would run this one; Sluice's refusal takes the place a server error would.
    const gateway = await login("gateway");
    try {
      expect(await exchange(DENIED)(gateway)).toEqual(["E:42501", "|sync|", "Z:I"]);
    } finally {
      gateway.close();
    }
  });

  it("answers a refused Parse with nothing after it, not even a Flush: the server flushes errors at once", async () => {
    const seen = await bothSides(async (client) => {
      client.write(ext.parse("SELEC 1"));
      const error = await readTypes(client, "E");
      client.write(ext.sync());
      return [...error, ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["E:42601", "Z:I"]);
  });

  it("answers the messages before the refusal first, then the refusal, then nothing until Sync", async () => {
    const seen = await bothSides(async (client) => {
      client.write(
        Buffer.concat([
          ext.parse("SELECT 1"),
          ext.bind(),
          ext.execute(),
          ext.parse("SELEC 2"),
          ext.bind(),
          ext.execute(),
          ext.flush(),
        ]),
      );
      const beforeSync = await readTypes(client, "E");
      const afterError = await readTypes(client, null);
      client.write(ext.sync());
      return [...beforeSync, ...afterError, "|sync|", ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
    expect(seen.direct).toEqual(["1", "2", "D", "C", "E:42601", "|sync|", "Z:I"]);
  });

  it("answers a refused Bind (a statement it never prepared) before Sync", async () => {
    const seen = await bothSides(async (client) => {
      client.write(Buffer.concat([ext.bind("never_prepared"), ext.execute(), ext.flush()]));
      const beforeSync = await readTypes(client, "E");
      client.write(ext.sync());
      return [...beforeSync, "|sync|", ...(await readTypes(client, "Z"))];
    });
    expect(seen.gateway).toEqual(seen.direct);
  });

  it("pg with a cursor (Execute + Flush) gets the denial instead of hanging", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      const cursor = client.query(new Cursor(DENIED));
      const error = await withTimeout(cursor.read(10)).catch((e: pg.DatabaseError) => e);
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
      const error = await withTimeout(sql.unsafe("SELECT pg_read_file($1)", ["/etc/hostname"])).catch(
        (e: { code?: string }) => e,
      );
      expect(error).toMatchObject({ code: "42501" });
      expect(await withTimeout(sql`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
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
        const client = await login(side);
        try {
          client.write(
            Buffer.concat([
              ext.parse("INSERT INTO ledger VALUES (1)"),
              ext.bind(),
              ext.execute(),
              ext.parse(refused),
              ext.bind(),
              ext.execute(),
              ext.sync(),
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
          ext.parse("SELECT upper(email) AS e FROM contacts"),
          ext.bind(),
          ext.describePortal(),
          ext.execute(),
          ext.parse(DENIED),
          ext.sync(),
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
          Buffer.concat([ext.parse(sql), ext.bind(), ext.describePortal(), ext.execute(), ext.sync()]),
        );
        return [...simple, "|extended|", ...(await readTypes(client, "Z"))];
      });
      expect(seen.gateway, JSON.stringify(sql)).toEqual(seen.direct);
    }
  });
});

describe("bytes before a startup packet", () => {
  const directPort = () => Number(new URL(harness.directUrl).port);

  /** The first thing the peer answers: a FATAL's SQLSTATE, a single byte, or a close without a word. */
  async function firstAnswer(port: number, sent: Buffer): Promise<string> {
    const client = await RawClient.connect(port);
    try {
      client.write(sent);
      const message = await client.readMessage(3000).catch(() => null);
      if (message)
        return `${message.type}:${errorFields(message.body)["S"]}:${errorFields(message.body)["C"]}`;
      await client.waitClosed(3000);
      return "closed";
    } finally {
      client.close();
    }
  }

  it("answers (or closes on) each as the server does", async () => {
    const cases: Record<string, Buffer> = {
      "Terminate before startup": bytes.tagged("X", Buffer.alloc(0)),
      "an HTTP request": Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      "a negative length": Buffer.concat([int32(-1), int32(196608)]),
      "a length below the header": Buffer.concat([int32(7), int32(196608)]),
      "a length above the server's cap": Buffer.concat([int32(10_009), int32(196608)]),
      "an unknown protocol": bytes.startup({ user: "x" }, 0x00040000),
      "no terminator after the parameters": bytes.startup({ user: "x" }).subarray(0, -1),
    };
    // The lengths of the last one are rewritten: one byte shorter, as sent.
    const unterminated = cases["no terminator after the parameters"] as Buffer;
    unterminated.writeInt32BE(unterminated.length, 0);
    for (const [name, sent] of Object.entries(cases)) {
      const direct = await firstAnswer(directPort(), sent);
      const gateway = await firstAnswer(harness.port, sent);
      expect({ name, gateway }).toEqual({ name, gateway: direct });
    }
  });
});

describe("direct TLS (sslnegotiation=direct, PostgreSQL 17+)", () => {
  /** What came back over TLS after a StartupMessage: the first message's type, or why there was none. */
  async function startupOverTls(socket: tls.TLSSocket): Promise<string> {
    return new Promise((resolve) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => resolve("silent"), 3000);
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 9) {
          clearTimeout(timer);
          resolve(`${String.fromCharCode(received[0] ?? 0)}:${received.readInt32BE(5)}`);
          socket.destroy();
        }
      });
      socket.on("error", (error) => {
        clearTimeout(timer);
        resolve(`error: ${error.message}`);
      });
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(received.length === 0 ? "closed" : `partial ${received.length}`);
      });
      socket.write(bytes.startup({ user: harness.agent.name, database: harness.connectionName }));
    });
  }

  function directTls(alpn: string[] | undefined): Promise<{ socket: tls.TLSSocket; alpn: string | false }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: "127.0.0.1",
        port: harness.port,
        rejectUnauthorized: false,
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      socket.once("secureConnect", () => resolve({ socket, alpn: socket.alpnProtocol ?? false }));
      socket.once("error", reject);
    });
  }

  it("accepts a TLS handshake as the first bytes, with ALPN postgresql, and speaks the protocol over it", async () => {
    const { socket, alpn } = await directTls(["postgresql"]);
    expect(alpn).toBe("postgresql");
    // AuthenticationSASL: the agent logs in over the direct TLS session.
    expect(await startupOverTls(socket)).toBe("R:10");
  });

  it("refuses direct TLS that offers another ALPN protocol, in the handshake", async () => {
    const outcome = await directTls(["http/1.1"]).then(
      ({ socket }) => startupOverTls(socket),
      (error: Error) => `handshake failed: ${error.message}`,
    );
    // The server's ALPN callback answers a fatal no_application_protocol alert (RFC 7301).
    expect(outcome).toMatch(/handshake failed: .*no application protocol/);
  });

  it("closes direct TLS without ALPN after the handshake, without a word, as the server does", async () => {
    const { socket, alpn } = await directTls(undefined);
    expect(alpn).toBe(false);
    expect(await startupOverTls(socket)).toBe("closed");
  });

  it("after an SSLRequest, ALPN is optional but must be postgresql when offered", async () => {
    async function afterSslRequest(alpn: string[] | undefined): Promise<string> {
      const plain = net.connect({ host: "127.0.0.1", port: harness.port });
      await new Promise((resolve) => plain.once("connect", resolve));
      plain.write(Buffer.concat([int32(8), int32(80877103)]));
      const answer = await new Promise<Buffer>((resolve) => plain.once("data", resolve));
      expect(answer.toString()).toBe("S");
      const secure = tls.connect({
        socket: plain,
        rejectUnauthorized: false,
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      const ready = await new Promise<string | null>((resolve) => {
        secure.once("secureConnect", () => resolve(null));
        secure.once("error", (error) => resolve(`handshake failed: ${error.message}`));
      });
      return ready ?? startupOverTls(secure);
    }
    expect(await afterSslRequest(undefined)).toBe("R:10");
    expect(await afterSslRequest(["postgresql"])).toBe("R:10");
    expect(await afterSslRequest(["http/1.1"])).toMatch(/handshake failed: .*no application protocol/);
  });
});

function withTimeout<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);
}

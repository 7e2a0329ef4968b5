import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { bytes, errorFields, int32, RawClient } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.stop());

async function expectFatal(client: RawClient, code: string, message?: RegExp) {
  const reply = await client.readMessage();
  expect(reply.type).toBe("E");
  const fields = errorFields(reply.body);
  expect(fields["S"]).toBe("FATAL");
  expect(fields["C"]).toBe(code);
  if (message) expect(fields["M"]).toMatch(message);
  await client.waitClosed();
  return fields;
}

describe("startup refusals", () => {
  it("answers GSSENCRequest with N and SSLRequest with S when TLS is configured", async () => {
    const client = await RawClient.connect(harness.port);
    client.write(bytes.untagged(80877104));
    expect(await client.readByte()).toBe("N");
    client.write(bytes.untagged(80877103));
    expect(await client.readByte()).toBe("S");
    client.close();
  });

  it("refuses plaintext smuggled after an SSLRequest", async () => {
    const client = await RawClient.connect(harness.port);
    client.write(
      Buffer.concat([bytes.untagged(80877103), bytes.startup({ user: "agent-a", database: "shop" })]),
    );
    // Either the gateway refuses outright, or it never reads the smuggled bytes as the client's.
    const first = await client.readMessage().catch(() => null);
    if (first) expect(errorFields(first.body)["C"]).toBe("08P01");
    else expect(client.isClosed).toBe(true);
    client.close();
  });

  it("refuses protocol 2.0 and older as PostgreSQL 18 does, byte for byte, in the old error format", async () => {
    // A 2.0 StartupPacket has fixed-size fields: database 64, user 32, options 64, unused 64, tty 64.
    const field = (value: string, size: number) =>
      Buffer.concat([Buffer.from(value), Buffer.alloc(size - value.length)]);
    const fixed = Buffer.concat([field("shop", 64), field("agent-a", 32), Buffer.alloc(64 * 3)]);
    const packets = [
      Buffer.concat([int32(8 + fixed.length), int32(0x00020000), fixed]),
      bytes.startup({ user: "agent-a", database: "shop" }, 0x00020000),
      bytes.startup({ user: "agent-a", database: "shop" }, 0x00010000),
      bytes.startup({ user: "agent-a", database: "shop" }, 0x00020005),
    ];
    const direct = new URL(harness.directUrl);
    for (const packet of packets) {
      const answers: string[] = [];
      for (const port of [Number(direct.port), harness.port]) {
        const client = await RawClient.connect(port);
        client.write(packet);
        await client.waitClosed();
        answers.push(client.takeBuffered().toString("latin1"));
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0]).toMatch(
        /^EFATAL: {2}unsupported frontend protocol [12]\.\d+: server supports 3\.0 to 3\.2\n\0$/,
      );
    }
  });

  it("refuses a later major version in the 3.0 format with the server's fields, F, L and R included", async () => {
    const direct = new URL(harness.directUrl);
    const answers: Buffer[] = [];
    for (const port of [Number(direct.port), harness.port]) {
      const client = await RawClient.connect(port);
      client.write(bytes.startup({ user: "agent-a", database: "shop" }, 0x00040000));
      const reply = await client.readMessage();
      expect(reply.type).toBe("E");
      expect(errorFields(reply.body)).toMatchObject({
        S: "FATAL",
        C: "0A000",
        M: expect.stringMatching(/unsupported frontend protocol 4\.0/),
        F: expect.any(String),
        L: expect.any(String),
        R: expect.any(String),
      });
      await client.waitClosed();
      answers.push(reply.body);
    }
    // Byte for byte: the embedded server is the PostgreSQL release whose server_version Sluice reports.
    expect(errorFields(answers[1] as Buffer)).toEqual(errorFields(answers[0] as Buffer));
    expect((answers[1] as Buffer).equals(answers[0] as Buffer)).toBe(true);
  });

  it("refuses options and replication startup parameters", async () => {
    for (const extra of [{ options: "-c role=postgres" }, { replication: "database" }] as Record<
      string,
      string
    >[]) {
      const client = await RawClient.connect(harness.port);
      client.write(bytes.startup({ user: "agent-a", database: "shop", ...extra }));
      await expectFatal(client, "42501", /is not allowed through Sluice/);
    }
  });

  it("refuses an empty connection name", async () => {
    const client = await RawClient.connect(harness.port);
    client.write(bytes.startup({ user: "agent-a", database: "" }));
    await expectFatal(client, "3D000", /no connection name given/);
  });

  it("refuses an unknown agent exactly like a wrong token", async () => {
    const unknown = await new pg.Client({ connectionString: harness.urlFor("nobody", "sk_wrong") })
      .connect()
      .catch((e: pg.DatabaseError) => e);
    const wrong = await new pg.Client({ connectionString: harness.urlFor("agent-a", "sk_wrong") })
      .connect()
      .catch((e: pg.DatabaseError) => e);
    expect(unknown).toMatchObject({ code: "28P01" });
    expect(wrong).toMatchObject({ code: "28P01" });
  });

  it("refuses an unknown connection and an agent outside the connection's groups, after authentication", async () => {
    const unknown = await new pg.Client({
      connectionString: harness.urlFor(harness.agent.name, harness.token, "nope"),
    })
      .connect()
      .catch((e: pg.DatabaseError) => e);
    expect(unknown).toMatchObject({ code: "3D000", message: 'connection "nope" does not exist' });
    const outsider = await harness.addAgent(`outsider-${randomBytes(3).toString("hex")}`, ["marketing"]);
    const refused = await new pg.Client({
      connectionString: harness.urlFor(outsider.agent.name, outsider.token),
    })
      .connect()
      .catch((e: pg.DatabaseError) => e);
    expect(refused).toMatchObject({
      code: "42501",
      message: expect.stringContaining("is not allowed on connection"),
    });
  });

  it("refuses a guessing address per agent, while the agent still logs in from its own", async () => {
    const victim = await harness.addAgent(`victim-${randomBytes(3).toString("hex")}`, ["analysts"]);
    const attempt = (token: string, localAddress: string) =>
      new pg.Client({
        connectionString: harness.urlFor(victim.agent.name, token),
        stream: boundTo(localAddress),
      });
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const error = await attempt(`sk_guess_${i}`, ATTACKER_ADDRESS)
        .connect()
        .catch((e: pg.DatabaseError) => e);
      codes.push((error as pg.DatabaseError).code ?? "");
    }
    expect(codes.slice(0, 10).every((code) => code === "28P01")).toBe(true);
    expect(codes.slice(10)).toEqual(["28000", "28000"]);
    // The attacker's address stays refused for this agent, even with the right token...
    const fromAttacker = await attempt(victim.token, ATTACKER_ADDRESS)
      .connect()
      .catch((e: pg.DatabaseError) => e);
    expect(fromAttacker).toMatchObject({
      code: "28000",
      message: expect.stringContaining("too many failed authentication attempts"),
    });
    // ...while the rightful agent, from its own address, keeps working.
    const rightful = attempt(victim.token, "127.0.0.1");
    await rightful.connect();
    expect((await rightful.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
    await rightful.end();
  });
});

/** A second loopback address stands for an attacker elsewhere (Linux routes all of 127/8 locally). */
const ATTACKER_ADDRESS = "127.0.0.2";

/** A pg stream whose socket connects from the given local address. */
function boundTo(localAddress: string): () => net.Socket {
  return () => {
    const socket = new net.Socket();
    const connect = socket.connect.bind(socket) as (options: net.TcpSocketConnectOpts) => net.Socket;
    socket.connect = ((port: number, host: string) =>
      connect({ port, host, localAddress })) as unknown as typeof socket.connect;
    return socket;
  };
}

describe("bad bytes close only their own client", () => {
  it("closes on garbage startup lengths without a word, and answers bad messages with a FATAL", async () => {
    const bystander = new pg.Client({ connectionString: harness.url });
    await bystander.connect();
    try {
      // PostgreSQL only logs an impossible startup length (COMMERROR) and closes.
      const garbage = await RawClient.connect(harness.port);
      garbage.write(randomBytes(64).fill(0xff, 0, 4));
      await garbage.waitClosed();
      await expect(garbage.readMessage(100)).rejects.toThrow();

      const oversized = await RawClient.connect(harness.port);
      oversized.write(Buffer.concat([int32(0x7fffffff), int32(196608)]));
      await oversized.waitClosed();
      await expect(oversized.readMessage(100)).rejects.toThrow();

      const { client: loggedIn } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop");
      loggedIn.write(Buffer.concat([Buffer.from("Q"), int32(4 + 3), Buffer.from("SEL")])); // no NUL terminator
      await expectFatal(loggedIn, "08P01");

      const { client: unknownType } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop");
      unknownType.write(bytes.tagged("\u0001", Buffer.alloc(0)));
      await expectFatal(unknownType, "08P01");

      const { client: outOfOrder } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop");
      outOfOrder.write(bytes.startup({ user: "x", database: "y" }).subarray(0)); // untagged after startup
      const reply = await outOfOrder.readMessage();
      expect(errorFields(reply.body)["S"]).toBe("FATAL");
      await outOfOrder.waitClosed();

      const { rows } = await bystander.query("SELECT 'still here' AS status");
      expect(rows).toEqual([{ status: "still here" }]);
    } finally {
      await bystander.end();
    }
  });

  it("caps messages at 64 KiB until the client has authenticated", async () => {
    const client = await RawClient.connect(harness.port);
    client.write(bytes.startup({ user: harness.agent.name, database: "shop" }));
    expect((await client.readMessage()).type).toBe("R");
    client.write(Buffer.concat([Buffer.from("p"), int32(1024 * 1024)]));
    await expectFatal(client, "08P01", /invalid message length/);
  });

  it("refuses FunctionCall with an error and the session continues", async () => {
    const { client } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop");
    // FunctionCall for oid 1 with no arguments, result in text.
    client.write(
      bytes.tagged(
        "F",
        Buffer.concat([int32(1), Buffer.from([0, 0]), Buffer.from([0, 0]), Buffer.from([0, 0])]),
      ),
    );
    const refused = await client.readUntil("Z");
    expect(refused.map((m) => m.type)).toEqual(["E", "Z"]);
    expect(errorFields(refused[0]?.body ?? Buffer.alloc(0))).toMatchObject({ S: "ERROR", C: "42501" });
    client.write(bytes.query("SELECT 41 + 1"));
    const answer = await client.readUntil("Z");
    expect(answer.map((m) => m.type)).toEqual(["T", "D", "C", "Z"]);
    client.close();
  });

  it("hands out its own BackendKeyData, not the upstream's", async () => {
    const { client, messages } = await rawLogin(harness.port, harness.agent.name, harness.token, "shop");
    const key = messages.find((m) => m.type === "K");
    expect(key).toBeDefined();
    client.write(bytes.query("SELECT pg_backend_pid()"));
    const rows = await client.readUntil("Z");
    const dataRow = rows.find((m) => m.type === "D");
    const upstreamPid = Number(dataRow?.body.subarray(6).toString());
    expect(key?.body.readInt32BE(0)).not.toBe(upstreamPid);
    client.close();
  });
});

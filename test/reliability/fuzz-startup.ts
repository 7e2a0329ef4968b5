import type { Random } from "./seeded-random";

/**
 * The startup-phase fuzzer's material: what a client sends before it is logged in (StartupMessage,
 * SSLRequest, GSSENCRequest, CancelRequest, SASL messages), mutated. Each case says how it was
 * made, so a failure names it, and whether a well-behaved server must close on it at once (an
 * impossible length) rather than wait for more bytes as PostgreSQL waits, up to its
 * authentication_timeout, for a packet a length promised.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export type StartupCase = {
  kind: string;
  chunks: Buffer[];
  /** Half-close after sending: the client says it has nothing more. */
  isEnded: boolean;
  /** An impossible length: the gateway must close, not wait. */
  mustClose: boolean;
};

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
const PROTOCOL_3_0 = 196608;
const PROTOCOL_3_2 = 196610;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH: longer startup packets are refused outright. */
const MAX_STARTUP_BYTES = 10_000;

/** Seeded noise, so a failing case replays from its seed. */
const noise = (random: Random, length: number) => Buffer.from(Array.from({ length }, () => random.int(256)));
const int32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value | 0);
  return out;
};
const untagged = (body: Buffer) => Buffer.concat([int32(body.length + 4), body]);
const tagged = (type: string, body: Buffer) =>
  Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
const startup = (version: number, params: Array<[string, string]>) =>
  untagged(
    Buffer.concat([int32(version), ...params.map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])]),
  );

/** Valid-looking values and hostile ones: empty, very long, NUL-free binary, invalid UTF-8. */
function paramValue(random: Random, realUser: string, realDatabase: string): string {
  return random.pick([
    realUser,
    realDatabase,
    "",
    "x".repeat(random.int(4000)),
    "\u00ff\u00fe",
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1]).toString("latin1"),
    "-c role=postgres",
    "' OR 1=1 --",
  ]);
}

function startupParams(random: Random, user: string, database: string): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if (random.chance(0.8))
    params.push(["user", random.chance(0.6) ? user : paramValue(random, user, database)]);
  if (random.chance(0.8))
    params.push(["database", random.chance(0.6) ? database : paramValue(random, user, database)]);
  const extras = ["application_name", "options", "replication", "client_encoding", "_pq_.x", "user", ""];
  for (let i = random.int(4); i > 0; i -= 1)
    params.push([random.pick(extras), paramValue(random, user, database)]);
  return params;
}

function flipBytes(packet: Buffer, random: Random): Buffer {
  const out = Buffer.from(packet);
  for (let i = 1 + random.int(4); i > 0; i -= 1) out[random.int(out.length)] = random.int(256);
  return out;
}

/** A real client's SASLInitialResponse for SCRAM-SHA-256, which a mutation then breaks. */
function saslInitial(mechanism: string, data: Buffer): Buffer {
  return tagged("p", Buffer.concat([Buffer.from(`${mechanism}\0`), int32(data.length), data]));
}

/** Splits the bytes at random points, so a case is also a test of framing across reads. */
function splitAnywhere(bytes: Buffer, random: Random): Buffer[] {
  if (bytes.length < 2 || random.chance(0.5)) return [bytes];
  const cuts = [
    ...new Set(Array.from({ length: 1 + random.int(4) }, () => 1 + random.int(bytes.length - 1))),
  ];
  cuts.sort((a, b) => a - b);
  return [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
}

export function mutateStartup(random: Random, user: string, database: string): StartupCase {
  const valid = () =>
    startup(random.pick([PROTOCOL_3_0, PROTOCOL_3_2]), [
      ["user", user],
      ["database", database],
    ]);
  const make = (kind: string, bytes: Buffer, mustClose = false): StartupCase => ({
    kind,
    chunks: splitAnywhere(bytes, random),
    isEnded: random.chance(0.3),
    mustClose,
  });
  switch (random.int(10)) {
    case 0:
      return make(
        "startup with hostile parameters",
        startup(PROTOCOL_3_0, startupParams(random, user, database)),
      );
    case 1:
      return make("startup with bytes flipped", flipBytes(valid(), random));
    case 2: {
      const packet = valid();
      return make("startup truncated", packet.subarray(0, random.int(packet.length)));
    }
    case 3: {
      // Longer than any startup packet may be, or shorter than its own header: refused at once.
      const length = random.pick([MAX_STARTUP_BYTES + 5, 0x7fffffff, 0x10000000, -1, 0, 3, 7]);
      return make(`startup length ${length}`, Buffer.concat([int32(length), int32(PROTOCOL_3_0)]), true);
    }
    case 4: {
      const version = random.pick([0, 1, 0x00020000, 0x00040000, 0x0003ffff, random.int(2 ** 31)]);
      return make(
        `startup version ${version}`,
        startup(version, [
          ["user", user],
          ["database", database],
        ]),
      );
    }
    case 5: {
      const request = random.pick([SSL_REQUEST_CODE, GSSENC_REQUEST_CODE]);
      const garbage = random.pick([
        noise(random, 1 + random.int(300)),
        // A TLS record header promising a ClientHello that never comes whole.
        Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
        Buffer.concat([int32(0x7fffffff), int32(PROTOCOL_3_0)]),
        untagged(int32(SSL_REQUEST_CODE)),
      ]);
      return make(
        `${request === SSL_REQUEST_CODE ? "SSLRequest" : "GSSENCRequest"} then garbage`,
        Buffer.concat([untagged(int32(request)), garbage]),
      );
    }
    case 6: {
      // A CancelRequest with a wrong length or keys no session has: closed without a word.
      const keys = noise(random, random.pick([8, 4, 12, 300]));
      return make(
        "CancelRequest with unknown keys or a wrong length",
        untagged(Buffer.concat([int32(CANCEL_REQUEST_CODE), keys])),
      );
    }
    case 7: {
      // Logged-in-only messages before any login.
      const early = random.pick([
        tagged("Q", Buffer.from("SELECT 1\0")),
        tagged("X", Buffer.alloc(0)),
        tagged("p", noise(random, random.int(64))),
      ]);
      return make("a message before the startup", Buffer.concat([early, valid()]));
    }
    case 8: {
      // The startup is fine; the SASL exchange that follows is not.
      const data = Buffer.from(`n,,n=,r=${noise(random, 18).toString("base64")}`);
      const broken = random.pick([
        saslInitial("SCRAM-SHA-256", flipBytes(data, random)),
        saslInitial(random.pick(["SCRAM-SHA-1", "", "PLAIN", "SCRAM-SHA-256-PLUS"]), data),
        tagged("p", Buffer.concat([Buffer.from("SCRAM-SHA-256\0"), int32(0x7fffffff), data])),
        tagged("p", Buffer.concat([Buffer.from("SCRAM-SHA-256\0"), int32(-2)])),
        Buffer.concat([Buffer.from("p"), int32(0x7fffffff)]),
        tagged(random.pick(["Q", "P", "X", "\u0000"]), noise(random, random.int(32))),
      ]);
      return make("startup then a broken SASL message", Buffer.concat([valid(), broken]));
    }
    default: {
      const packet = valid();
      return make("two startup packets", Buffer.concat([packet, flipBytes(packet, random)]));
    }
  }
}

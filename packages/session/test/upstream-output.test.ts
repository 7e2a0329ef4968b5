import { allowNativeRowMasking } from "@sluice/masking/native-row-masker";
import type { SessionDecisions } from "@sluice/policy/verdict";
import { Relay } from "@sluice/session/relay";
import { ResultMasker, type SessionMasking } from "@sluice/session/result-masker";
import { upstreamToClient } from "@sluice/session/upstream-output";
import { loadParser } from "@sluice/sql/parser";
import { createServerFrameBuffer } from "@sluice/wire/frame-buffer";
import { OutputBuffer } from "@sluice/wire/output-buffer";
import { commandComplete, cstr, dataRow, readyForQuery, rowDescription, tagged } from "@sluice/wire/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

// The relay answers a statement the parser rejects from the parser itself (syntax-error probe).
beforeAll(() => loadParser());

const settings: Array<[string, string]> = [];
const decisions: SessionDecisions = {
  observeSetting: (name, value) => settings.push([name, value]),
  decide: (statement) =>
    statement.sql.includes("secret")
      ? { kind: "deny", rule: "r", message: 'blocked by guardrail "r"' }
      : { kind: "allow" },
  version: () => 1,
};

const ANSWER = [
  rowDescription([{ name: "abalance" }]),
  dataRow(["0"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
];

/** What the client gets for `chunks` read from the upstream one after another, each read's output. */
function relayed(relay: Relay, chunks: Buffer[]): Buffer[] {
  const frames = createServerFrameBuffer();
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    frames.push(chunk);
    const bytes = upstreamToClient(frames, relay, null, chunk.length);
    if (bytes) out.push(bytes);
  }
  return out;
}

describe("upstream output without masking", () => {
  it("relays a whole answer read at once as the read's own bytes, without copying them", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
    const chunk = Buffer.concat(ANSWER);
    const [out] = relayed(relay, [chunk]);
    expect(out).toEqual(chunk);
    expect(out?.buffer).toBe(chunk.buffer);
    expect(relay.status).toBe("I");
  });

  it("relays the same bytes when the answer is split anywhere", () => {
    const chunk = Buffer.concat(ANSWER);
    for (let split = 1; split < chunk.length; split += 1) {
      const relay = new Relay({ decisions });
      relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
      // Copies, so the two reads never share memory, as two socket reads do not.
      const reads = [Buffer.from(chunk.subarray(0, split)), Buffer.from(chunk.subarray(split))];
      expect(Buffer.concat(relayed(relay, reads))).toEqual(chunk);
    }
  });

  it("puts Sluice's denial in place of the stand-in's error amid messages relayed as they are", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
    const step = relay.handleClient({ name: "query", sql: "SELECT secret" }, tagged("Q"));
    if (step instanceof Promise) throw new Error("unexpected async step");
    const standIn = step.toUpstream[0]?.toString("latin1").match(/sluice_refused_[0-9a-f]+/)?.[0];
    const error = tagged("E", Buffer.from(`SERROR\0C42601\0Msyntax error at or near "${standIn}"\0P1\0\0`));
    const [out] = relayed(relay, [Buffer.concat([...ANSWER, error, readyForQuery()])]);
    const text = out?.toString("latin1") ?? "";
    expect(text.startsWith(Buffer.concat(ANSWER).toString("latin1"))).toBe(true);
    expect(text).toContain('blocked by guardrail "r"');
    expect(text).not.toContain("sluice_refused_");
    expect(text.endsWith(readyForQuery().toString("latin1"))).toBe(true);
  });

  /**
   * A relay with a simple Query answered, a Query refused (its stand-in's error owed), and what the
   * upstream sends for both: a setting, rows, the stand-in's error, readiness in a transaction.
   */
  function refusedAmidAnswers(): { relay: Relay; stream: Buffer } {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
    const step = relay.handleClient({ name: "query", sql: "SELECT secret" }, tagged("Q"));
    if (step instanceof Promise) throw new Error("unexpected async step");
    const standIn = step.toUpstream[0]?.toString("latin1").match(/sluice_refused_[0-9a-f]+/)?.[0];
    const error = tagged("E", Buffer.from(`SERROR\0C42601\0Msyntax error at or near "${standIn}"\0P1\0\0`));
    const stream = Buffer.concat([
      tagged("S", cstr("application_name"), cstr("bench")),
      ...ANSWER.slice(0, -1),
      readyForQuery("T"),
      error,
      readyForQuery("E"),
    ]);
    return { relay, stream };
  }

  /** The oracle: each message through `beforeUpstreamMessage` on its own, its replacement or its bytes. */
  function messageByMessage(relay: Relay, stream: Buffer): Buffer {
    const frames = createServerFrameBuffer();
    frames.push(stream);
    const out: Buffer[] = [];
    for (let frame = frames.next(); frame; frame = frames.next()) {
      if (frame.kind !== "tagged") throw new Error("tagged only");
      out.push(relay.beforeUpstreamMessage(frame.type, frame.body) ?? frame.raw);
    }
    return Buffer.concat(out);
  }

  it("relays every split of the stream, in two reads or three, as the messages one by one would be", () => {
    const reference = refusedAmidAnswers();
    const expected = messageByMessage(reference.relay, reference.stream);
    expect(expected.toString("latin1")).toContain('blocked by guardrail "r"');
    expect(expected.toString("latin1")).not.toContain("sluice_refused_");
    const { length } = reference.stream;
    for (let first = 1; first < length; first += 1) {
      // The second split: none, or one to six bytes later (a header cut again, a one-byte read).
      for (const second of new Set([length, ...[1, 2, 5, 6].map((skip) => Math.min(first + skip, length))])) {
        settings.length = 0;
        const { relay, stream } = refusedAmidAnswers();
        // Copies, so no two reads share memory, as two socket reads do not.
        const reads = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)]
          .filter((read) => read.length > 0)
          .map((read) => Buffer.from(read));
        expect(Buffer.concat(relayed(relay, reads))).toEqual(expected);
        expect(relay.status).toBe("E");
        expect(settings).toEqual([["application_name", "bench"]]);
      }
    }
  });

  it("sends one view of the read for each run of unchanged messages around a replacement", () => {
    const { relay, stream } = refusedAmidAnswers();
    const [out] = relayed(relay, [stream]);
    const reference = refusedAmidAnswers();
    expect(out).toEqual(messageByMessage(reference.relay, reference.stream));
    // Joined once (a replacement in the middle); the bytes before it went on unchanged.
    const errorAt = stream.indexOf(Buffer.from("SERROR")) - 5;
    expect(out?.subarray(0, errorAt)).toEqual(stream.subarray(0, errorAt));
  });

  it("reads the transaction status of a ReadyForQuery split from its status byte", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "BEGIN" }, tagged("Q"));
    const ready = readyForQuery("T");
    relayed(relay, [ready.subarray(0, 5), ready.subarray(5)]);
    expect(relay.status).toBe("T");
  });
});

/** Table 100 is `customers(id, email, card, ssn)`: hashed, partly shown, redacted. */
const MASKING: SessionMasking = {
  origins: {
    ruleFor: (tableOid, attnum) => {
      if (tableOid !== 100) return null;
      if (attnum === 2) return { name: "email", strategy: "HASH" };
      if (attnum === 3) return { name: "card", strategy: "PARTIAL", keepLast: 4 };
      return attnum === 4 ? { name: "ssn", strategy: "REDACT" } : null;
    },
  },
  hashKey: Buffer.alloc(32, 7),
  hasColumnRules: true,
  detectors: [],
  isMaskedTable: (names) => names.includes("public.customers"),
  isOpaqueRelation: () => false,
};

/** Two result sets of one query: customers' rows (masked), then orders' (relayed as they are). */
const MASKED_ANSWER = Buffer.concat([
  rowDescription([
    { name: "id", table: 100, attnum: 1, type: 23 },
    { name: "email", table: 100, attnum: 2, type: 25 },
    { name: "card", table: 100, attnum: 3, type: 25 },
    { name: "ssn", table: 100, attnum: 4, type: 25 },
  ]),
  ...Array.from({ length: 12 }, (_, i) =>
    dataRow([
      String(i),
      `user${i}@example.com`,
      i % 3 ? `4111-1111-1111-${1000 + i}` : "Zoë 😀 ab",
      i % 4 ? "123-45-6789" : null,
    ]),
  ),
  commandComplete("SELECT 12"),
  rowDescription([{ name: "total", table: 200, attnum: 1, type: 23 }]),
  ...Array.from({ length: 5 }, (_, i) => dataRow([String(i * 10)])),
  commandComplete("SELECT 5"),
  readyForQuery(),
]);

/** The client's bytes for MASKED_ANSWER read in `reads`, masked natively or in JavaScript. */
function maskedRelay(reads: Buffer[], isNative: boolean): Buffer {
  allowNativeRowMasking(isNative);
  const relay = new Relay({ decisions });
  const sql = "SELECT id, email, card, ssn FROM customers; SELECT total FROM orders";
  relay.handleClient({ name: "query", sql }, tagged("Q"));
  const masker = new ResultMasker(MASKING);
  masker.noteSent(tagged("Q", Buffer.from(`${sql}\0`)), {
    maskedTables: ["public.customers"],
    relations: [["public.customers"], ["public.orders"]],
  });
  const frames = createServerFrameBuffer();
  const out: Buffer[] = [];
  for (const read of reads) {
    frames.push(read);
    const bytes = upstreamToClient(frames, relay, masker, read.length);
    if (bytes) out.push(Buffer.from(bytes));
  }
  return Buffer.concat(out);
}

describe("upstream output with masking", () => {
  afterEach(() => allowNativeRowMasking(true));

  it("masks rows the same, natively or not, however the reads split them", () => {
    const whole = maskedRelay([MASKED_ANSWER], false);
    const text = whole.toString("latin1");
    expect(text).not.toContain("example.com");
    expect(text).not.toContain("123-45-6789");
    expect(text).not.toContain("4111-1111");
    expect(text).toContain("***************1010");
    for (let split = 1; split < MASKED_ANSWER.length; split += 7) {
      for (const second of [split + 1, split + 40, MASKED_ANSWER.length]) {
        // Copies, so the reads never share memory, as two socket reads do not.
        const reads = [
          Buffer.from(MASKED_ANSWER.subarray(0, split)),
          Buffer.from(MASKED_ANSWER.subarray(split, second)),
          Buffer.from(MASKED_ANSWER.subarray(second)),
        ];
        expect(maskedRelay(reads, true).equals(whole)).toBe(true);
        expect(maskedRelay(reads, false).equals(whole)).toBe(true);
      }
    }
    expect(maskedRelay([MASKED_ANSWER], true).equals(whole)).toBe(true);
  });
});

describe("upstream output on a masked connection, for a read the masking changes nothing in", () => {
  it("is the read itself, not a copy, and a read with a masked row is a copy", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT total FROM orders" }, tagged("Q"));
    const masker = new ResultMasker(MASKING);
    masker.noteSent(tagged("Q", cstr("SELECT total FROM orders")), {
      maskedTables: [],
      relations: [["public.orders"]],
    });
    const frames = createServerFrameBuffer();
    // Its own memory, as a socket's read (not a slice of Node's shared pool).
    const read = Buffer.alloc(256);
    const answer = Buffer.concat([
      rowDescription([{ name: "total", table: 200, attnum: 1, type: 23 }]),
      dataRow(["10"]),
      commandComplete("SELECT 1"),
      readyForQuery(),
    ]);
    answer.copy(read);
    const chunk = read.subarray(0, answer.length);
    frames.push(chunk);
    const bytes = upstreamToClient(frames, relay, masker, chunk.length);
    expect(bytes?.equals(answer)).toBe(true);
    expect(bytes?.buffer).toBe(read.buffer);

    relay.handleClient({ name: "query", sql: "SELECT ssn FROM customers" }, tagged("Q"));
    masker.noteSent(tagged("Q", cstr("SELECT ssn FROM customers")), {
      maskedTables: ["public.customers"],
      relations: [["public.customers"]],
    });
    const masked = Buffer.alloc(256);
    const secret = Buffer.concat([
      rowDescription([{ name: "ssn", table: 100, attnum: 4, type: 25 }]),
      dataRow(["123-45-6789"]),
      commandComplete("SELECT 1"),
      readyForQuery(),
    ]);
    secret.copy(masked);
    const secretChunk = masked.subarray(0, secret.length);
    frames.push(secretChunk);
    const maskedBytes = upstreamToClient(frames, relay, masker, secretChunk.length);
    expect(maskedBytes?.buffer).not.toBe(masked.buffer);
    expect(maskedBytes?.toString("latin1")).not.toContain("123-45-6789");
    expect(maskedBytes?.subarray(0, 5).equals(secret.subarray(0, 5))).toBe(true);
  });
});

describe("upstream output on a masked connection, against the messages one by one (load9)", () => {
  const FIRST = "SELECT id, email, card, ssn FROM customers; SELECT total FROM orders";
  const SECOND = "SELECT 'n' || total FROM orders";
  /** Two pipelined queries' answers: the first in a transaction (status T), the second after it. */
  const MESSAGES = [
    ...splitMessages(MASKED_ANSWER.subarray(0, MASKED_ANSWER.length - readyForQuery().length)),
    readyForQuery("T"),
    // A computed column: clear under the second query's scope (no masked table), masked under the first's.
    rowDescription([{ name: "label", table: 0, attnum: 0, type: 25 }]),
    dataRow(["n-42"]),
    commandComplete("SELECT 1"),
    readyForQuery(),
  ];
  const STREAM = Buffer.concat(MESSAGES);

  /** A relay and masker with both queries sent, as the gateway has them before the answers come. */
  function session() {
    const relay = new Relay({ decisions });
    const masker = new ResultMasker(MASKING);
    const scopes = [
      { maskedTables: ["public.customers"], relations: [["public.customers"], ["public.orders"]] },
      { maskedTables: [], relations: [["public.orders"]] },
    ];
    for (const [i, sql] of [FIRST, SECOND].entries()) {
      relay.handleClient({ name: "query", sql }, tagged("Q"));
      masker.noteSent(tagged("Q", cstr(sql)), scopes[i]);
    }
    return { relay, masker };
  }

  /** The reference: every message on its own through the masker's general path. */
  function oneByOne(): Buffer {
    const { relay, masker } = session();
    const out = new OutputBuffer(4096);
    for (const message of MESSAGES) {
      const type = message[0] as number;
      if (type === 0x44) {
        masker.maskRowsInto(message, 0, message.length, out);
        continue;
      }
      const body = message.subarray(5);
      const replacement = relay.beforeUpstreamMessage(type, body);
      if (replacement) {
        masker.follow(type, body);
        out.append(replacement);
      } else masker.maskInto(type, body, message, out);
    }
    return Buffer.from(out.take());
  }

  it("gives the same bytes and leaves the relay in the same state, however the reads split", () => {
    allowNativeRowMasking(false);
    try {
      const expected = oneByOne();
      const text = expected.toString("latin1");
      expect(text).not.toContain("123-45-6789");
      expect(text).toContain("n-42");
      for (let split = 1; split < STREAM.length; split += 1) {
        const { relay, masker } = session();
        const frames = createServerFrameBuffer();
        const out: Buffer[] = [];
        for (const read of [Buffer.from(STREAM.subarray(0, split)), Buffer.from(STREAM.subarray(split))]) {
          frames.push(read);
          const bytes = upstreamToClient(frames, relay, masker, read.length);
          if (bytes) out.push(Buffer.from(bytes));
        }
        expect(Buffer.concat(out).equals(expected)).toBe(true);
        // Both ReadyForQuery were paired: nothing is owed, and the last status is idle.
        expect(relay.isUpstreamIdle()).toBe(true);
      }
    } finally {
      allowNativeRowMasking(true);
    }
  });
});

/** Whole messages lying one after another in `bytes`. */
function splitMessages(bytes: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const end = at + 1 + bytes.readUInt32BE(at + 1);
    messages.push(bytes.subarray(at, end));
    at = end;
  }
  return messages;
}

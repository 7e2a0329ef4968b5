import type { Random } from "./seeded-random";

/**
 * The fuzzer's material: real client message sequences (as a driver sends them), each of which
 * calls canary_fire() somewhere, and the mutations applied to them. Messages are kept apart so a
 * mutation can work on structure (a message's SQL, its length, the order) as well as on bytes.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
type Message = { type: string; sql?: string; body: Buffer };

const cstring = (text: string) => Buffer.concat([Buffer.from(text, "utf8"), Buffer.from([0])]);
const int16 = (value: number) => {
  const out = Buffer.alloc(2);
  out.writeInt16BE(value);
  return out;
};
const int32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value);
  return out;
};

const query = (sql: string): Message => ({ type: "Q", sql, body: cstring(sql) });
const parse = (name: string, sql: string): Message => ({
  type: "P",
  sql,
  body: Buffer.concat([cstring(name), cstring(sql), int16(0)]),
});
const bind = (statement: string, params: string[] = []): Message => ({
  type: "B",
  body: Buffer.concat([
    cstring(""),
    cstring(statement),
    int16(0),
    int16(params.length),
    ...params.flatMap((param) => [int32(Buffer.byteLength(param)), Buffer.from(param)]),
    int16(0),
  ]),
});
const describePortal = (): Message => ({ type: "D", body: Buffer.concat([Buffer.from("P"), cstring("")]) });
const describeStatement = (name: string): Message => ({
  type: "D",
  body: Buffer.concat([Buffer.from("S"), cstring(name)]),
});
const execute = (): Message => ({ type: "E", body: Buffer.concat([cstring(""), int32(0)]) });
const sync = (): Message => ({ type: "S", body: Buffer.alloc(0) });
const flush = (): Message => ({ type: "H", body: Buffer.alloc(0) });
const close = (name: string): Message => ({
  type: "C",
  body: Buffer.concat([Buffer.from("S"), cstring(name)]),
});

const SEEDS: Message[][] = [
  [query("SELECT canary_fire()")],
  [query("SELECT id, v FROM data WHERE id < 3; SELECT canary_fire()")],
  [query("BEGIN; SELECT 1; SELECT canary_fire(); COMMIT")],
  [query("/* a */ SELECT canary_fire() -- b")],
  [query("SELECT $$x$$, canary_fire(), E'\\\\'")],
  [query("COPY (SELECT canary_fire()) TO STDOUT")],
  [query("WITH f AS (SELECT canary_fire() AS x) SELECT * FROM f")],
  [query("SELECT v FROM data WHERE id = 1"), query("SELECT canary_fire()")],
  [parse("s1", "SELECT canary_fire()"), bind("s1"), describePortal(), execute(), sync()],
  [parse("", "SELECT v FROM data WHERE id = $1"), bind("", ["1"]), execute(), sync()],
  [
    parse("s2", "SELECT 1"),
    sync(),
    bind("s2"),
    execute(),
    parse("s3", "SELECT canary_fire()"),
    bind("s3"),
    execute(),
    sync(),
  ],
  [parse("s4", "SELECT canary_fire()"), describeStatement("s4"), flush(), close("s4"), sync()],
  [query("PREPARE p AS SELECT canary_fire()"), query("EXECUTE p")],
  [query("DO $$BEGIN PERFORM canary_fire(); END$$")],
];

/** Splices that change how a statement is read: quotes, comments, dollar quotes, NUL, bad UTF-8. */
const SPLICES: Buffer[] = [
  "'",
  '"',
  "$$",
  "$a$",
  "\\",
  "/*",
  "*/",
  "--",
  ";",
  "\n",
  "E'",
  'U&"',
  "\\u0000",
  ")",
  "(",
  "canary_fire()",
  "SELECT canary_fire();",
  "::text",
  "é",
  "\u2028",
]
  .map((text) => Buffer.from(text, "utf8"))
  .concat([Buffer.from([0]), Buffer.from([0xff]), Buffer.from([0xc3, 0x28])]);

function encode(message: Message): Buffer {
  return Buffer.concat([Buffer.from(message.type), int32(message.body.length + 4), message.body]);
}

export const SEED_SEQUENCES: Buffer[][] = SEEDS.map((sequence) => sequence.map(encode));

/**
 * Which mutations apply. "any": all of them, most of which leave a message the gateway cannot
 * decode (a lying length, a truncation, a flipped header byte, a body read as another type's), and
 * it ends the session for that. "session": those that keep every message decodable, so the
 * session goes on and what is fuzzed is what the gateway judges (see mutateInSession).
 */
export type MutationScope = "any" | "session";

/** A seed sequence with one to three mutations; `chunks` are the writes, split anywhere. */
export function mutateSequence(
  seed: readonly Buffer[],
  random: Random,
  scope: MutationScope = "any",
): { chunks: Buffer[]; messages: number } {
  let messages: Buffer[] = seed.map((raw) => Buffer.from(raw));
  const count = 1 + random.int(3);
  for (let i = 0; i < count; i += 1) messages = mutateOnce(messages, random, scope);
  const stream = Buffer.concat(messages);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < stream.length; ) {
    const size = random.chance(0.5)
      ? stream.length - offset
      : 1 + random.int(Math.max(1, stream.length - offset));
    chunks.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return { chunks, messages: messages.length };
}

function mutateOnce(messages: Buffer[], random: Random, scope: MutationScope): Buffer[] {
  if (scope === "session") return mutateInSession(messages, random);
  const index = random.int(messages.length);
  const target = messages[index] as Buffer;
  const out: Buffer[] = [...messages];
  switch (random.int(8)) {
    case 0:
      out[index] = spliceSql(target, random);
      return out;
    case 1: {
      const flipped = Buffer.from(target);
      const at = random.int(flipped.length);
      flipped[at] = (flipped[at] ?? 0) ^ (1 << random.int(8));
      out[index] = flipped;
      return out;
    }
    case 2: {
      // A length that lies: a little short or long (long ones wait for bytes that never come).
      // A message an earlier mutation cut below its length field has no length to lie about.
      if (target.length < 5) return out;
      const lied = Buffer.from(target);
      const delta = random.pick([-5, -1, 1, 3, -target.length, 2_000_000_000]);
      lied.writeInt32BE(Math.max(-2_147_483_648, Math.min(2_147_483_647, target.length - 1 + delta)), 1);
      out[index] = lied;
      return out;
    }
    case 3:
      out.splice(index, 1);
      return out.length > 0 ? out : messages;
    case 4:
      out.splice(index, 0, target);
      return out;
    case 5: {
      const other = random.int(out.length);
      [out[index], out[other]] = [out[other] as Buffer, target];
      return out;
    }
    case 6:
      out[index] = target.subarray(0, random.int(target.length));
      return out;
    default: {
      // Another message type with the same body.
      const retyped = Buffer.from(target);
      retyped[0] = random.pick([
        0x51, 0x50, 0x42, 0x44, 0x45, 0x53, 0x48, 0x43, 0x64, 0x63, 0x66, 0x46, 0x58, 0x70, 0x00,
      ]);
      out[index] = retyped;
      return out;
    }
  }
}

/** Types whose bodies read alike, so a retype within a group still decodes. */
const BODY_ALIKE_TYPES: readonly number[][] = [
  [0x53, 0x48, 0x63], // Sync, Flush, CopyDone: empty
  [0x44, 0x43], // Describe, Close: a target and a name
  [0x51, 0x66], // Query, CopyFail: one string
];

/**
 * Mutations a session outlives: SQL spliced (lengths fixed), a bit flipped in SQL text (never to
 * NUL), messages dropped, repeated, swapped, or retyped within BODY_ALIKE_TYPES. The statement
 * text, the order of the extended protocol and the batch boundaries are what they fuzz.
 */
function mutateInSession(messages: Buffer[], random: Random): Buffer[] {
  const index = random.int(messages.length);
  const target = messages[index] as Buffer;
  const out: Buffer[] = [...messages];
  switch (random.int(7)) {
    case 0:
    case 1:
      out[index] = spliceSql(target, random);
      return out;
    case 2: {
      const { start, end } = sqlText(target);
      if (end <= start) return out;
      const flipped = Buffer.from(target);
      const at = start + random.int(end - start);
      const byte = (flipped[at] ?? 0) ^ (1 << random.int(8));
      if (byte !== 0) flipped[at] = byte;
      out[index] = flipped;
      return out;
    }
    case 3: {
      const group = BODY_ALIKE_TYPES.find((types) => types.includes(target[0] as number));
      const retyped = Buffer.from(target);
      if (group) retyped[0] = random.pick(group);
      out[index] = retyped;
      return out;
    }
    case 4:
      out.splice(index, 1);
      return out.length > 0 ? out : messages;
    case 5:
      out.splice(index, 0, target);
      return out;
    default: {
      const other = random.int(out.length);
      [out[index], out[other]] = [out[other] as Buffer, target];
      return out;
    }
  }
}

/** Where a message's SQL text lies: after a Parse's name, else right after the header. */
function sqlText(message: Buffer): { start: number; end: number } {
  const start = 5 + (message[0] === 0x50 ? message.indexOf(0, 5) + 1 - 5 : 0);
  return { start, end: message.indexOf(0, start) };
}

/** Structure-aware: splices into the SQL text and fixes the length, so the message still frames. */
function spliceSql(target: Buffer, random: Random): Buffer {
  const { start, end } = sqlText(target);
  if (end < 0) return target;
  const at = start + random.int(end - start + 1);
  const spliced = Buffer.concat([target.subarray(0, at), random.pick(SPLICES), target.subarray(at)]);
  spliced.writeInt32BE(spliced.length - 1, 1);
  return spliced;
}

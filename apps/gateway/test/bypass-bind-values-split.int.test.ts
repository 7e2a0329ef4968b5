import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import { bytes, errorFields, int32, type RawClient } from "./support/raw-client";

/**
 * Bypass corpus: the values a Bind carries on a masked connection, checked for masking's
 * placeholders before the write runs (an agent writing back what masking showed it), whatever the
 * statement's name and however the TCP stream splits the messages. The relay reads a Bind's names
 * through a per-connection memo of the last few and its values only when a check needs them: each
 * statement name is used many times, more names than the memo holds, in turns, clean and
 * placeholder values interleaved under one name, and every message split byte by byte.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE notes (id int, body text);
  CREATE TABLE people (id int, ssn text);
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

const NAMES = Array.from({ length: 12 }, (_, i) => `ins_${i}`);

let stage: BypassStage;
let raw: RawClient;

const int16 = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
};
const cstr = (text: string) => Buffer.from(`${text}\0`);
const parse = (name: string, sql: string) =>
  bytes.tagged("P", Buffer.concat([cstr(name), cstr(sql), int16(0)]));
/** A Bind of text values (format 0 for all). */
const bind = (statement: string, values: Buffer[]) =>
  bytes.tagged(
    "B",
    Buffer.concat([
      cstr(""),
      cstr(statement),
      int16(0),
      int16(values.length),
      ...values.flatMap((value) => [int32(value.length), value]),
      int16(0),
    ]),
  );
const execute = bytes.tagged("E", Buffer.concat([cstr(""), int32(0)]));
const sync = bytes.tagged("S", Buffer.alloc(0));

/** Writes `message` a byte at a time, then reads up to ReadyForQuery: the error's code and message, or the tag. */
async function exchange(message: Buffer): Promise<string> {
  for (let at = 0; at < message.length; at++) raw.write(message.subarray(at, at + 1));
  const answers = await raw.readUntil("Z");
  const error = answers.find((answer) => answer.type === "E");
  if (error) {
    const fields = errorFields(error.body);
    return `${fields.C}: ${fields.M}`;
  }
  const done = answers.find((answer) => answer.type === "C");
  return done ? done.body.toString("utf8", 0, done.body.length - 1) : "none";
}

beforeAll(async () => {
  stage = await startBypassStage({ schema: SCHEMA, guardrails: [] });
  const { harness } = stage;
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.people.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  raw = await stage.viaGateway();
});
afterAll(async () => {
  raw?.close();
  await stage?.stop();
});

describe("a Bind's values on a masked connection, split byte by byte", () => {
  it("prepares every name", async () => {
    for (const name of NAMES)
      expect(
        await exchange(Buffer.concat([parse(name, "INSERT INTO notes VALUES ($1::int, $2)"), sync])),
      ).toBe("none");
  });

  it("refuses a placeholder under every name, each time, and runs clean values", async () => {
    for (let round = 0; round < 3; round++) {
      for (const [i, name] of (round === 1 ? [...NAMES].reverse() : NAMES).entries()) {
        const clean = await exchange(
          Buffer.concat([bind(name, [Buffer.from(String(i)), Buffer.from("fine")]), execute, sync]),
        );
        expect(clean, name).toBe("INSERT 0 1");
        const placeholder = await exchange(
          Buffer.concat([bind(name, [Buffer.from(String(i)), Buffer.from("[REDACTED]")]), execute, sync]),
        );
        expect(placeholder, name).toMatch(/placeholder/);
      }
    }
    const stored = await stage.admin.query("SELECT count(*)::int AS n FROM notes WHERE body <> 'fine'");
    expect(stored.rows).toEqual([{ n: 0 }]);
  });

  it("refuses a text value that is not UTF-8 under a name seen before", async () => {
    const bad = Buffer.from([0x61, 0xff, 0x62]);
    for (const name of [NAMES[0] as string, NAMES[0] as string, NAMES[11] as string]) {
      const answer = await exchange(Buffer.concat([bind(name, [Buffer.from("1"), bad]), execute, sync]));
      expect(answer, name).toMatch(/^22021: /);
    }
    const stored = await stage.admin.query("SELECT count(*)::int AS n FROM notes WHERE body <> 'fine'");
    expect(stored.rows).toEqual([{ n: 0 }]);
  });
});

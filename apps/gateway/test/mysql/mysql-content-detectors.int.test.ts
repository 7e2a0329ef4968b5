import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Content detectors on MySQL rows, through the real gateway and MariaDB: a value of a column no
 * column rule masks is searched as on the Postgres path (masking-detectors.int.test.ts,
 * masking-unicode.int.test.ts), by the text protocol (mysql2 and the `mariadb` CLI) and the binary
 * one (mysql2 `execute`), and in error text. Each value is first read directly, in clear.
 */
const SECRETS = {
  email: "ada@example.com",
  ssn: "123-45-6789",
  card: "4111 1111 1111 1111",
  foldedSsn: "１２３－４５－６７８９",
  accented: "zoë@example.com",
};
const BODY = `Customer ${SECRETS.email} says her SSN ${SECRETS.ssn} leaked; card ${SECRETS.card}`;
const MASKED_BODY = /^Customer h_[0-9a-f]{16} says her SSN \[REDACTED\] leaked; card \*+1111$/;
const INTL = `SSN ${SECRETS.foldedSsn}, mail ${SECRETS.accented}`;

const leaked = (text: string) => Object.values(SECRETS).filter((secret) => text.includes(secret));

let harness: MySqlHarness;
let agent: Connection;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [
      {
        name: "emails",
        selector: null,
        detector: "email",
        strategy: "HASH",
        keepLast: null,
        exemptGroups: [],
      },
      {
        name: "ssns",
        selector: null,
        detector: "us_ssn",
        strategy: "REDACT",
        keepLast: null,
        exemptGroups: [],
      },
      {
        name: "cards",
        selector: null,
        detector: "payment_card",
        strategy: "PARTIAL",
        keepLast: 4,
        exemptGroups: [],
      },
    ],
  });
  direct = await harness.connectDirect();
  await direct.query(
    "CREATE TABLE tickets (id INT PRIMARY KEY, body TEXT, meta JSON, code VARCHAR(40) UNIQUE, order_no INT)",
  );
  await direct.query(
    "INSERT INTO tickets VALUES (1, ?, JSON_OBJECT('contact', ?), ?, 123456789), (2, ?, NULL, NULL, 7)",
    [BODY, SECRETS.email, `ssn ${SECRETS.ssn}`, INTL],
  );
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await direct?.end();
  await harness?.stop();
});

describe("content detectors on MySQL rows", () => {
  it("the values are there in clear directly", async () => {
    const [rows] = await direct.query("SELECT body, meta FROM tickets WHERE id = 1");
    expect(JSON.stringify(rows)).toContain(SECRETS.ssn);
    expect(JSON.stringify(rows)).toContain(SECRETS.email);
  });

  it("masks what the detectors find in text rows (mysql2), JSON included, and leaves numbers alone", async () => {
    const [rows] = (await agent.query("SELECT body, meta, order_no FROM tickets ORDER BY id")) as unknown as [
      Array<{ body: string; meta: unknown; order_no: number }>,
    ];
    expect(rows[0]?.body).toMatch(MASKED_BODY);
    // MariaDB's JSON is LONGTEXT on the wire: it stays a valid document.
    expect(JSON.parse(String(rows[0]?.meta))).toEqual({ contact: expect.stringMatching(/^h_[0-9a-f]{16}$/) });
    expect(rows[0]?.order_no).toBe(123456789);
    // Look-alike digits and non-ASCII addresses are folded before detection, as on Postgres.
    expect(rows[1]?.body).toMatch(/^SSN \[REDACTED\], mail h_[0-9a-f]{16}$/);
    expect(leaked(JSON.stringify(rows))).toEqual([]);
  });

  it("masks them in binary rows of prepared statements", async () => {
    const [rows] = (await agent.execute(
      "SELECT body, code, order_no FROM tickets WHERE id = ?",
      [1],
    )) as unknown as [Array<{ body: string; code: string; order_no: number }>];
    expect(rows[0]?.body).toMatch(MASKED_BODY);
    expect(rows[0]?.code).toBe("ssn [REDACTED]");
    expect(rows[0]?.order_no).toBe(123456789);
  });

  it("masks them in computed and binary-charset columns, where no origin names a column", async () => {
    const [rows] = await agent.query(
      "SELECT CONCAT('x ', body) AS c, CAST(body AS BINARY) AS b, UPPER(code) AS u FROM tickets WHERE id = 1",
    );
    const text = JSON.stringify(rows, (_key, value) =>
      value?.type === "Buffer" ? Buffer.from(value.data).toString("utf8") : value,
    );
    expect(leaked(text)).toEqual([]);
    expect(text).toContain("SSN [REDACTED]");
  });

  it("masks them for the mariadb command-line client", async () => {
    const out = await harness.mariadbCli("SELECT body FROM tickets ORDER BY id");
    expect(leaked(out)).toEqual([]);
    expect(out).toContain("says her SSN [REDACTED] leaked");
  });

  it("masks them in error text and in SHOW WARNINGS", async () => {
    const duplicate = await agent
      // The server quotes the value it copied: the agent never wrote it.
      .query("INSERT INTO tickets (id, code) SELECT 3, code FROM tickets WHERE id = 1")
      .then(
        () => null,
        (error: { errno?: number; message: string }) => error,
      );
    expect(duplicate?.errno).toBe(1062);
    expect(duplicate?.message).toBe("Duplicate entry 'ssn [REDACTED]' for key 'code'");
    await agent.query("SELECT body + 0 AS n FROM tickets WHERE id = 1");
    const [warnings] = await agent.query("SHOW WARNINGS");
    expect(JSON.stringify(warnings)).toContain("Truncated incorrect DOUBLE value");
    expect(leaked(JSON.stringify(warnings))).toEqual([]);
  });
});

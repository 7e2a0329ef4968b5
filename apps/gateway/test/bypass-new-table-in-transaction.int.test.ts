import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";
import { extended } from "./support/extended";
import { bytes, type RawClient } from "./support/raw-client";
import { readOutcome } from "./support/raw-outcome";

/**
 * Bypass corpus: a table made in the open transaction, written at once, under a TABLE rule on
 * writes. The catalog is read from another connection, which cannot see into the transaction, so
 * such a write was refused outright (what it writes through could not be followed). A plain table
 * the transaction created is now written (`BEGIN; CREATE TEMP TABLE scratch …; INSERT INTO scratch`),
 * and every way to make a write to a fresh relation reach the covered table is still refused: each
 * is run straight against the server first (the oracle: there the covered rows change), then
 * through Sluice, where they must not.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE events (id serial PRIMARY KEY, note text);
  INSERT INTO events (note) VALUES ('first');
  CREATE TABLE parts (id int) PARTITION BY RANGE (id);
  CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (0) TO (100);
  CREATE TABLE notes (id int NOT NULL, note text);
  CREATE SCHEMA side;
  CREATE FUNCTION public.bump_events(v int) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO events (note) VALUES ('domain ' || v); RETURN true; END $$;
  CREATE DOMAIN sneaky AS int CHECK (public.bump_events(VALUE));
  CREATE FUNCTION public.copy_to_events() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO events (note) VALUES ('trigger'); RETURN NEW; END $$;
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
  -- INHERITS and PARTITION OF take the parent's owner: the agent's role is the attacker at its best.
  ALTER TABLE events OWNER TO ${role};
  ALTER TABLE parts OWNER TO ${role};
  ALTER TABLE notes OWNER TO ${role};
  GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role};
  GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};
  GRANT CREATE, USAGE ON SCHEMA public, side TO ${role};
  GRANT USAGE ON TYPE sneaky TO ${role};`;

/** What the rule protects: every row of events and parts, and where events' sequence is. */
const COVERED =
  "SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM parts) AS parts, (SELECT last_value FROM events_id_seq) AS seq";

let stage: BypassStage;
let agent: pg.Client;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "events read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.events", "public.parts"], access: "write" },
      },
      // The owner's trigger function, allowed by name: CREATE TRIGGER is judged, the write after it is the attack.
      {
        name: "copy allowed",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.copy_to_events"] },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
  // A catalog read first: a session's first statements may come before any snapshot is held.
  await agent.query("SELECT count(*) FROM notes");
});
// A refusal inside a message leaves its transaction open and failed: no test inherits it.
afterEach(async () => {
  await agent.query("ROLLBACK");
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

const covered = async () => JSON.stringify((await stage.admin.query(COVERED)).rows);

/** Runs the statements in one transaction through Sluice, one Query each, and rolls back. */
async function inTransaction(
  statements: string[],
): Promise<{ rows: unknown[]; refusedAt: number; message: string }> {
  await agent.query("BEGIN");
  let rows: unknown[] = [];
  try {
    for (const [at, sql] of statements.entries()) {
      try {
        rows = (await agent.query(sql)).rows;
      } catch (error) {
        return { rows, refusedAt: at, message: (error as Error).message };
      }
    }
    return { rows, refusedAt: -1, message: "" };
  } finally {
    await agent.query("ROLLBACK");
  }
}

describe("a plain table made in the open transaction", () => {
  it("is written there, temporary or not, with built-in defaults and checks", async () => {
    const temporary = await inTransaction([
      "CREATE TEMP TABLE scratch (id serial PRIMARY KEY, note text DEFAULT 'x' NOT NULL, at timestamptz DEFAULT now(), CHECK (id > 0))",
      "INSERT INTO scratch (note) VALUES ('a'), ('b')",
      "UPDATE scratch SET note = 'c' WHERE id = 1",
      "DELETE FROM scratch WHERE id = 2",
      "SELECT note FROM scratch",
    ]);
    expect(temporary).toEqual({ rows: [{ note: "c" }], refusedAt: -1, message: "" });
    const plain = await inTransaction([
      "CREATE TABLE side.scratch_plain (id int)",
      "INSERT INTO side.scratch_plain VALUES (1)",
      "TRUNCATE side.scratch_plain",
      "COPY (SELECT 1) TO STDOUT",
      "SELECT count(*)::int AS n FROM side.scratch_plain",
    ]);
    expect(plain).toEqual({ rows: [{ n: 0 }], refusedAt: -1, message: "" });
  });

  it("is written in the same message that makes it", async () => {
    const results = (await agent.query(
      "BEGIN; CREATE TEMP TABLE scratch_one (id int); INSERT INTO scratch_one VALUES (1); SELECT count(*)::int AS n FROM scratch_one; ROLLBACK",
    )) as unknown as pg.QueryResult[];
    expect(results[3]?.rows).toEqual([{ n: 1 }]);
  });

  it("is written through the extended protocol", async () => {
    const outcome = await inTransaction([
      "CREATE TEMP TABLE scratch_ext (id int, note text)",
      // Parameters make the driver send Parse, Bind and Execute.
      "INSERT INTO scratch_ext VALUES (1, 'one')",
    ]);
    expect(outcome.refusedAt).toBe(-1);
    await agent.query("BEGIN");
    try {
      await agent.query("CREATE TEMP TABLE scratch_ext (id int, note text)");
      await agent.query({ text: "INSERT INTO scratch_ext VALUES ($1, $2)", values: [2, "two"] });
      expect(
        (await agent.query({ text: "SELECT note FROM scratch_ext WHERE id = $1", values: [2] })).rows,
      ).toEqual([{ note: "two" }]);
    } finally {
      await agent.query("ROLLBACK");
    }
  });

  it("is trusted again in the next transaction once the one that lost trust ended", async () => {
    expect((await inTransaction(["CREATE TEMP VIEW tv AS SELECT id FROM notes"])).refusedAt).toBe(-1);
    const after = await inTransaction([
      "CREATE TEMP TABLE scratch_next (id int)",
      "INSERT INTO scratch_next VALUES (1)",
    ]);
    expect(after.refusedAt).toBe(-1);
  });

  it("is written as any committed table once its transaction committed", async () => {
    await agent.query("BEGIN");
    await agent.query("CREATE TABLE side.kept (id int)");
    await agent.query("INSERT INTO side.kept VALUES (1)");
    await agent.query("COMMIT");
    await agent.query("INSERT INTO side.kept VALUES (2)");
    expect((await agent.query("SELECT count(*)::int AS n FROM side.kept")).rows).toEqual([{ n: 2 }]);
    await agent.query("DROP TABLE side.kept");
  });
});

describe("a plain table made under the name of the session's committed temporary view", () => {
  // The bare CREATE makes public's table, the bare INSERT finds pg_temp's view first (the path
  // leads with it): trust in the new table must not stand for the name while the view is there.
  const ORACLE = (name: string) =>
    `CREATE TEMP VIEW ${name} AS SELECT id FROM events; CREATE TABLE ${name} (id int); INSERT INTO ${name} VALUES (1000)`;

  it("is refused in one message right after the view (an implicit transaction)", async () => {
    expect(await changesDirectly(stage, COVERED, ORACLE("shadow_one"))).toBe(true);
    await agent.query("CREATE TEMP VIEW shadow_one AS SELECT id FROM events");
    const before = await covered();
    await expect(
      agent.query("CREATE TABLE shadow_one (id int); INSERT INTO shadow_one VALUES (1000)"),
    ).rejects.toThrow(/events read-only|not yet committed|Commit/);
    expect(await covered()).toBe(before);
  });

  it("is refused in an explicit transaction after the view", async () => {
    expect(await changesDirectly(stage, COVERED, ORACLE("shadow_two"))).toBe(true);
    await agent.query("CREATE TEMP VIEW shadow_two AS SELECT id FROM events");
    const before = await covered();
    const outcome = await inTransaction([
      "CREATE TABLE shadow_two (id int)",
      "INSERT INTO shadow_two VALUES (1000)",
    ]);
    // The CREATE makes public's table and reaches nothing; the INSERT finds the view.
    expect(outcome.refusedAt, outcome.message).toBe(1);
    expect(outcome.message).toMatch(/events read-only/);
    expect(await covered()).toBe(before);
  });

  // Over-refusal that was: write reach followed the CREATE's bare name to the temporary view.
  it("lets the bare CREATE TABLE make public's table, as the server does", async () => {
    await agent.query("CREATE TEMP VIEW shadow_three AS SELECT id FROM events");
    await agent.query("CREATE TABLE shadow_three (id int)");
    const made = await stage.admin.query(
      "SELECT n.nspname AS schema, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'shadow_three' ORDER BY c.relkind",
    );
    expect(made.rows).toEqual([
      { schema: "public", kind: "r" },
      { schema: expect.stringMatching(/^pg_temp_\d+$/), kind: "v" },
    ]);
    await agent.query("DROP TABLE public.shadow_three");
  });
});

/** Each attack: the statements reach the covered rows on the server, and Sluice refuses one of them. */
const ATTACKS: Array<{ name: string; statements: string[]; refusedLast?: boolean }> = [
  {
    name: "INHERITS the covered table",
    statements: ["CREATE TABLE kid () INHERITS (events)", "INSERT INTO kid (note) VALUES ('kid')"],
    refusedLast: true,
  },
  {
    name: "a PARTITION OF the covered table",
    statements: [
      "CREATE TABLE parts_high PARTITION OF parts FOR VALUES FROM (100) TO (200)",
      "INSERT INTO parts_high VALUES (150)",
    ],
    refusedLast: true,
  },
  {
    name: "dropped and made again as a view",
    statements: [
      "CREATE TEMP TABLE s (id int, note text)",
      "DROP TABLE s",
      "CREATE TEMP VIEW s AS SELECT id, note FROM events",
      "INSERT INTO s (note) VALUES ('view')",
    ],
    refusedLast: true,
  },
  {
    name: "a trigger added after it was made",
    statements: [
      "CREATE TEMP TABLE s (id int)",
      "CREATE TRIGGER s_copy AFTER INSERT ON s FOR EACH ROW EXECUTE FUNCTION public.copy_to_events()",
      "INSERT INTO s VALUES (1)",
    ],
    refusedLast: true,
  },
  {
    name: "a default calling nextval of the covered table's sequence",
    statements: [
      "CREATE TEMP TABLE s (id int DEFAULT nextval('events_id_seq'))",
      "INSERT INTO s DEFAULT VALUES",
    ],
    refusedLast: true,
  },
  {
    name: "a column of a domain whose CHECK writes",
    statements: ["CREATE TEMP TABLE s (v sneaky)", "INSERT INTO s VALUES (1)"],
    refusedLast: true,
  },
  {
    name: "a temporary view of the name, found before the public table",
    statements: [
      "CREATE TEMP VIEW s AS SELECT id, note FROM events",
      "CREATE TABLE s (id int, note text)",
      "INSERT INTO s (note) VALUES ('shadow')",
    ],
    refusedLast: true,
  },
  {
    name: "a temporary view named like a committed table, found before it",
    statements: [
      "CREATE TEMP VIEW notes AS SELECT id, note FROM events",
      "INSERT INTO notes (note) VALUES ('shadowed')",
    ],
    refusedLast: true,
  },
  {
    name: "a view made in the transaction, renamed like a committed table",
    statements: [
      "CREATE TEMP VIEW v AS SELECT id, note FROM events",
      "ALTER VIEW v RENAME TO notes",
      "INSERT INTO notes (note) VALUES ('renamed view')",
    ],
    refusedLast: true,
  },
  {
    name: "a committed table made to inherit the covered table",
    statements: ["ALTER TABLE notes INHERIT events", "INSERT INTO notes (id, note) VALUES (7, 'inherited')"],
    refusedLast: true,
  },
  {
    name: "a committed table given a rule that writes into a view made in the transaction",
    statements: [
      "CREATE TEMP VIEW tv AS SELECT id, note FROM events",
      "CREATE RULE notes_to_events AS ON INSERT TO notes DO INSTEAD INSERT INTO tv VALUES (NEW.id, NEW.note)",
      "INSERT INTO notes VALUES (8, 'ruled')",
    ],
    // The rule's own INSERT into the view the catalog cannot show is refused at CREATE RULE.
  },
  {
    name: "IF NOT EXISTS over a view of the name",
    statements: [
      "CREATE TEMP VIEW s AS SELECT id, note FROM events",
      "CREATE TEMP TABLE IF NOT EXISTS s (id int, note text)",
      "INSERT INTO s (note) VALUES ('kept view')",
    ],
    refusedLast: true,
  },
  {
    name: "made in a savepoint rolled back, then a view of the name",
    statements: [
      "SAVEPOINT a",
      "CREATE TEMP TABLE s (id int, note text)",
      "ROLLBACK TO SAVEPOINT a",
      "CREATE TEMP VIEW s AS SELECT id, note FROM events",
      "INSERT INTO s (note) VALUES ('savepoint')",
    ],
    refusedLast: true,
  },
  {
    name: "moved out by SET SCHEMA and its name given to a view",
    statements: [
      "CREATE TABLE s (id int, note text)",
      "ALTER TABLE s SET SCHEMA side",
      "CREATE VIEW s AS SELECT id, note FROM events",
      "INSERT INTO s (note) VALUES ('moved')",
    ],
    // ALTER … SET SCHEMA is refused as a statement the gateway does not model, before the write.
  },
  {
    name: "renamed and its name given to a view",
    statements: [
      "CREATE TEMP TABLE s (id int, note text)",
      "ALTER TABLE s RENAME TO s_gone",
      "CREATE TEMP VIEW s AS SELECT id, note FROM events",
      "INSERT INTO s (note) VALUES ('renamed')",
    ],
    refusedLast: true,
  },
];

describe("a fresh relation whose writes reach the covered table", () => {
  for (const attack of ATTACKS) {
    it(`is refused: ${attack.name}`, async () => {
      expect(await changesDirectly(stage, COVERED, attack.statements.join(";\n"))).toBe(true);
      const before = await covered();
      const outcome = await inTransaction(attack.statements);
      expect(outcome.refusedAt, outcome.message).toBeGreaterThanOrEqual(0);
      if (attack.refusedLast) {
        expect(outcome.refusedAt, outcome.message).toBe(attack.statements.length - 1);
        expect(outcome.message).toMatch(/"events read-only"/);
      }
      expect(await covered()).toBe(before);
    });
  }
});

describe("a fresh relation Sluice keeps refusing to write", () => {
  // Not attacks on their own: what Sluice cannot tell from the statement stays refused.
  const KEPT: Array<{ name: string; statements: string[] }> = [
    {
      name: "CREATE TABLE AS",
      statements: ["CREATE TEMP TABLE s AS SELECT id FROM notes", "INSERT INTO s VALUES (1)"],
    },
    { name: "SELECT INTO", statements: ["SELECT id INTO TEMP s FROM notes", "INSERT INTO s VALUES (1)"] },
    {
      name: "a foreign key made later",
      statements: [
        "CREATE TABLE side.fk_parent (id int PRIMARY KEY)",
        "CREATE TABLE side.fk_child (id int REFERENCES side.fk_parent ON DELETE CASCADE)",
        "DELETE FROM side.fk_parent",
      ],
    },
    {
      name: "a write after ROLLBACK TO",
      statements: [
        "SAVEPOINT a",
        "CREATE TEMP TABLE s (id int)",
        "RELEASE a",
        "SAVEPOINT b",
        "ROLLBACK TO b",
        "INSERT INTO s VALUES (1)",
      ],
    },
  ];
  for (const kept of KEPT) {
    it(`after ${kept.name}`, async () => {
      const outcome = await inTransaction(kept.statements);
      expect(outcome.refusedAt).toBe(kept.statements.length - 1);
      expect(outcome.message).toMatch(/"events read-only"/);
    });
  }

  // A statement prepared before the transaction is judged again at its Bind: the view it makes is
  // seen, and the table of that name made earlier in the transaction is no longer trusted.
  it("after a view of the name made by a statement prepared before the transaction", async () => {
    const client: RawClient = await stage.viaGateway();
    try {
      client.write(
        Buffer.concat([
          extended.parse("mkview", "CREATE TEMP VIEW s_pipe AS SELECT id, note FROM events"),
          extended.sync(),
        ]),
      );
      expect((await readOutcome(client)).error).toBeNull();
      for (const sql of ["BEGIN", "CREATE TABLE s_pipe (id int, note text)"]) {
        client.write(bytes.query(sql));
        expect((await readOutcome(client)).error).toBeNull();
      }
      client.write(Buffer.concat([extended.bind("", "mkview"), extended.execute(""), extended.sync()]));
      expect((await readOutcome(client)).error).toBeNull();
      client.write(bytes.query("INSERT INTO s_pipe (note) VALUES ('pipe')"));
      expect((await readOutcome(client)).error?.message).toMatch(/"events read-only"/);
    } finally {
      client.close();
    }
  });
});

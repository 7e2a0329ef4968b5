import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { createPrisma, type PrismaClient } from "../src/prisma";
import { storeStatementsOf } from "../src/store-statements";

let store: { url: string; prisma: PrismaClient; drop: () => Promise<void> };
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.drop());

const BACKEND = { name: "test-backend-pid", text: "SELECT pg_backend_pid() AS pid, $1::text[] AS groups" };

it("runs a login's statements on the connections Prisma uses, prepared once, and tells onQuery", async () => {
  const told: string[] = [];
  const prisma = createPrisma(store.url, { onQuery: (sql) => told.push(sql) });
  try {
    const [viaPrisma] = await prisma.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
    const statements = storeStatementsOf(prisma);
    const [first] = await statements.query<{ pid: number; groups: string[] }>(BACKEND, [["a", "b"]]);
    await statements.query(BACKEND, [[]]);
    const prepared = await prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT name FROM pg_prepared_statements WHERE name = $1",
      BACKEND.name,
    );

    // One idle connection, taken by whoever asks next: a pool of its own would open another.
    expect(first).toEqual({ pid: viaPrisma?.pid, groups: ["a", "b"] });
    expect(prepared).toEqual([{ name: BACKEND.name }]);
    expect(told.filter((sql) => sql === BACKEND.text)).toHaveLength(2);
  } finally {
    await prisma.$disconnect();
  }
});

it("still answers after $disconnect ended the pool, through Prisma", async () => {
  const prisma = createPrisma(store.url);
  await prisma.$queryRawUnsafe("SELECT 1");
  await prisma.$disconnect();
  try {
    const [row] = await storeStatementsOf(prisma).query<{ groups: string[] }>(BACKEND, [["x"]]);
    expect(row?.groups).toEqual(["x"]);
  } finally {
    await prisma.$disconnect();
  }
});

it.each(["DEALLOCATE ALL", `DEALLOCATE "${BACKEND.name}"`, "DISCARD ALL"])(
  "prepares a statement again, once, when %s dropped it from under the pool",
  async (reset) => {
    const told: string[] = [];
    const prisma = createPrisma(store.url, { onQuery: (sql) => told.push(sql) });
    const isPrepared = async () =>
      (
        await prisma.$queryRawUnsafe<{ pid: number; count: number }[]>(
          "SELECT pg_backend_pid() AS pid, count(*)::int AS count FROM pg_prepared_statements WHERE name = $1",
          BACKEND.name,
        )
      )[0];
    try {
      const statements = storeStatementsOf(prisma);
      const [first] = await statements.query<{ pid: number }>(BACKEND, [["a"]]);
      // Prisma's next statement takes the same idle connection, as a reset or an operator's would.
      await prisma.$executeRawUnsafe(reset);
      expect(await isPrepared()).toEqual({ pid: first?.pid, count: 0 });
      told.length = 0;

      const [again] = await statements.query<{ pid: number; groups: string[] }>(BACKEND, [["b"]]);

      expect(again).toEqual({ pid: first?.pid, groups: ["b"] });
      expect(await isPrepared()).toEqual({ pid: first?.pid, count: 1 });
      // The Bind that failed, then Parse and Bind again: one more round trip, told as such.
      expect(told.filter((sql) => sql === BACKEND.text)).toHaveLength(2);
    } finally {
      await prisma.$disconnect();
    }
  },
);

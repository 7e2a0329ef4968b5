import pg from "pg";
import { fakePerson } from "./fake-people";
import { DEPARTMENTS, ORDER_STATUSES, PRODUCTS, TITLES } from "./names";
import { createRandom } from "./random";

export const DEMO_DATABASE = "demo_shop";
export const DEMO_UPSTREAM_ROLE = "sluice_demo";

/** Enough rows that masking and result streaming are exercised, small enough to build in seconds. */
export const DEMO_SIZES = { customers: 5000, orders: 20_000, employees: 250 } as const;

const SEED = 20261124;

const SCHEMA = `
CREATE TABLE customers (
  id          serial PRIMARY KEY,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  email       text NOT NULL UNIQUE,
  phone       text NOT NULL,
  ssn         text NOT NULL,
  card_number text NOT NULL,
  street      text NOT NULL,
  city        text NOT NULL,
  state       text NOT NULL,
  postal_code text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
  id          serial PRIMARY KEY,
  name        text NOT NULL,
  price_cents integer NOT NULL
);
CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id),
  product_id  integer NOT NULL REFERENCES products(id),
  quantity    integer NOT NULL,
  total_cents integer NOT NULL,
  status      text NOT NULL,
  ordered_at  timestamptz NOT NULL
);
CREATE INDEX orders_customer_id_idx ON orders(customer_id);
CREATE TABLE employees (
  id          serial PRIMARY KEY,
  first_name  text NOT NULL,
  last_name   text NOT NULL,
  email       text NOT NULL,
  ssn         text NOT NULL,
  department  text NOT NULL,
  title       text NOT NULL,
  salary      numeric(10,2) NOT NULL,
  hired_on    date NOT NULL
);`;

export type DemoShopOptions = {
  /** Superuser URL of the server that will hold `demo_shop`. */
  adminUrl: string;
  /** Password for the login role Sluice brokers (the agent never sees it). */
  upstreamPassword: string;
};

/** Creates `demo_shop` with its data and the role Sluice connects as; a no-op when it exists. */
export async function ensureDemoShop(options: DemoShopOptions): Promise<{ isCreated: boolean }> {
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DEMO_DATABASE]);
    await ensureRole(admin, options.upstreamPassword);
    if (exists.rowCount) return { isCreated: false };
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const shop = new pg.Client({ connectionString: withDatabase(options.adminUrl, DEMO_DATABASE) });
  await shop.connect();
  try {
    await shop.query("BEGIN");
    await shop.query(SCHEMA);
    await insertData(shop);
    await shop.query(`GRANT USAGE ON SCHEMA public TO ${DEMO_UPSTREAM_ROLE}`);
    await shop.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ${DEMO_UPSTREAM_ROLE}`,
    );
    await shop.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${DEMO_UPSTREAM_ROLE}`);
    await shop.query("COMMIT");
  } catch (error) {
    await shop.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await shop.end();
  }
  return { isCreated: true };
}

async function ensureRole(admin: pg.Client, password: string): Promise<void> {
  const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [DEMO_UPSTREAM_ROLE]);
  // The password is a server-side literal here; escape it the way the server expects.
  const literal = `'${password.replaceAll("'", "''")}'`;
  const verb = role.rowCount ? "ALTER" : "CREATE";
  await admin.query(`SET password_encryption = 'scram-sha-256'`);
  await admin.query(`${verb} ROLE ${DEMO_UPSTREAM_ROLE} LOGIN PASSWORD ${literal}`);
}

async function insertData(client: pg.Client): Promise<void> {
  const random = createRandom(SEED);
  const people = Array.from({ length: DEMO_SIZES.customers }, (_, i) => fakePerson(random, i + 1));
  await client.query(
    `INSERT INTO customers (first_name, last_name, email, phone, ssn, card_number, street, city, state, postal_code, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])`,
    [
      people.map((p) => p.firstName),
      people.map((p) => p.lastName),
      people.map((p) => p.email),
      people.map((p) => p.phone),
      people.map((p) => p.ssn),
      people.map((p) => p.cardNumber),
      people.map((p) => p.street),
      people.map((p) => p.city),
      people.map((p) => p.state),
      people.map((p) => p.postalCode),
      people.map(() => daysAgo(random.int(30, 1500))),
    ],
  );
  await client.query("INSERT INTO products (name, price_cents) SELECT * FROM unnest($1::text[], $2::int[])", [
    PRODUCTS.map(([name]) => name),
    PRODUCTS.map(([, price]) => price),
  ]);
  const orders = Array.from({ length: DEMO_SIZES.orders }, () => {
    const productIndex = random.int(0, PRODUCTS.length - 1);
    const quantity = random.int(1, 4);
    const price = PRODUCTS[productIndex]?.[1] ?? 0;
    return {
      customerId: random.int(1, DEMO_SIZES.customers),
      productId: productIndex + 1,
      quantity,
      total: price * quantity,
      status: random.pick(ORDER_STATUSES),
      orderedAt: daysAgo(random.int(0, 700)),
    };
  });
  await client.query(
    `INSERT INTO orders (customer_id, product_id, quantity, total_cents, status, ordered_at)
     SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::text[], $6::timestamptz[])`,
    [
      orders.map((o) => o.customerId),
      orders.map((o) => o.productId),
      orders.map((o) => o.quantity),
      orders.map((o) => o.total),
      orders.map((o) => o.status),
      orders.map((o) => o.orderedAt),
    ],
  );
  const staff = Array.from({ length: DEMO_SIZES.employees }, (_, i) => fakePerson(random, i + 1));
  await client.query(
    `INSERT INTO employees (first_name, last_name, email, ssn, department, title, salary, hired_on)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::date[])`,
    [
      staff.map((p) => p.firstName),
      staff.map((p) => p.lastName),
      staff.map(
        (p) => `${`${p.firstName}.${p.lastName}`.toLowerCase().replace(/[^a-z.]/g, "")}@shop.example`,
      ),
      staff.map((p) => p.ssn),
      staff.map(() => random.pick(DEPARTMENTS)),
      staff.map(() => random.pick(TITLES)),
      staff.map(() => (random.int(48_000, 240_000) + random.int(0, 99) / 100).toFixed(2)),
      staff.map(() => daysAgo(random.int(30, 4000)).slice(0, 10)),
    ],
  );
}

function daysAgo(days: number): string {
  return new Date(Date.UTC(2026, 10, 1) - days * 86_400_000).toISOString();
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

import pg from "pg";
import { DEMO_SIZES, demoShopRows } from "./demo-rows";

export const DEMO_DATABASE = "demo_shop";
export const DEMO_UPSTREAM_ROLE = "sluice_demo";

export { DEMO_SIZES };

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
  const { customers, products, orders, employees } = demoShopRows();
  await client.query(
    `INSERT INTO customers (first_name, last_name, email, phone, ssn, card_number, street, city, state, postal_code, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])`,
    [
      customers.map((p) => p.firstName),
      customers.map((p) => p.lastName),
      customers.map((p) => p.email),
      customers.map((p) => p.phone),
      customers.map((p) => p.ssn),
      customers.map((p) => p.cardNumber),
      customers.map((p) => p.street),
      customers.map((p) => p.city),
      customers.map((p) => p.state),
      customers.map((p) => p.postalCode),
      customers.map((p) => p.createdAt),
    ],
  );
  await client.query("INSERT INTO products (name, price_cents) SELECT * FROM unnest($1::text[], $2::int[])", [
    products.map((p) => p.name),
    products.map((p) => p.priceCents),
  ]);
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
  await client.query(
    `INSERT INTO employees (first_name, last_name, email, ssn, department, title, salary, hired_on)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::date[])`,
    [
      employees.map((e) => e.firstName),
      employees.map((e) => e.lastName),
      employees.map((e) => e.email),
      employees.map((e) => e.ssn),
      employees.map((e) => e.department),
      employees.map((e) => e.title),
      employees.map((e) => e.salary),
      employees.map((e) => e.hiredOn),
    ],
  );
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

import { demoShopRows } from "./demo-rows";
import { DEMO_DATABASE, DEMO_UPSTREAM_ROLE } from "./demo-shop";

/** Rows per INSERT: far below max_allowed_packet, few enough statements to load in seconds. */
const ROWS_PER_INSERT = 1000;

const SCHEMA = `
CREATE TABLE customers (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  first_name  VARCHAR(100) NOT NULL,
  last_name   VARCHAR(100) NOT NULL,
  email       VARCHAR(255) NOT NULL UNIQUE,
  phone       VARCHAR(32) NOT NULL,
  ssn         VARCHAR(16) NOT NULL,
  card_number VARCHAR(32) NOT NULL,
  street      VARCHAR(255) NOT NULL,
  city        VARCHAR(100) NOT NULL,
  state       VARCHAR(8) NOT NULL,
  postal_code VARCHAR(16) NOT NULL,
  created_at  DATETIME(3) NOT NULL
);
CREATE TABLE products (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(255) NOT NULL,
  price_cents INT NOT NULL
);
CREATE TABLE orders (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL REFERENCES customers(id),
  product_id  INT NOT NULL REFERENCES products(id),
  quantity    INT NOT NULL,
  total_cents INT NOT NULL,
  status      VARCHAR(32) NOT NULL,
  ordered_at  DATETIME(3) NOT NULL,
  INDEX orders_customer_id_idx (customer_id)
);
CREATE TABLE employees (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  first_name  VARCHAR(100) NOT NULL,
  last_name   VARCHAR(100) NOT NULL,
  email       VARCHAR(255) NOT NULL,
  ssn         VARCHAR(16) NOT NULL,
  department  VARCHAR(100) NOT NULL,
  title       VARCHAR(100) NOT NULL,
  salary      DECIMAL(10,2) NOT NULL,
  hired_on    DATE NOT NULL
);`;

/** Runs SQL as the server's administrator and returns its rows, tab-separated (LocalMariaDb.execute). */
export type ExecuteSql = (sql: string) => Promise<string>;

/**
 * Creates `demo_shop` on a MariaDB with the same people, orders and employees as the Postgres
 * demo, and the login Sluice brokers (its password set on every start, so it follows demo.json).
 * A no-op for the data when the database exists; a load that fails leaves no half-filled database.
 */
export async function ensureDemoShopMySql(
  execute: ExecuteSql,
  upstreamPassword: string,
): Promise<{ isCreated: boolean }> {
  const exists = await execute(
    `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${DEMO_DATABASE}'`,
  );
  const password = sqlString(upstreamPassword);
  const login = `'${DEMO_UPSTREAM_ROLE}'@'%'`;
  const grantLogin = `
    CREATE USER IF NOT EXISTS ${login} IDENTIFIED BY ${password};
    ALTER USER ${login} IDENTIFIED BY ${password};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${DEMO_DATABASE}.* TO ${login};`;
  if (exists.trim() !== "0") {
    await execute(grantLogin);
    return { isCreated: false };
  }
  try {
    await execute(`CREATE DATABASE ${DEMO_DATABASE} CHARACTER SET utf8mb4;
      USE ${DEMO_DATABASE};
      ${SCHEMA}
      ${dataSql()}
      ${grantLogin}`);
  } catch (error) {
    await execute(`DROP DATABASE IF EXISTS ${DEMO_DATABASE}`).catch(() => "");
    throw error;
  }
  return { isCreated: true };
}

function dataSql(): string {
  const { customers, products, orders, employees } = demoShopRows();
  return [
    inserts(
      "customers (first_name, last_name, email, phone, ssn, card_number, street, city, state, postal_code, created_at)",
      customers.map((c) => [
        c.firstName,
        c.lastName,
        c.email,
        c.phone,
        c.ssn,
        c.cardNumber,
        c.street,
        c.city,
        c.state,
        c.postalCode,
        dateTime(c.createdAt),
      ]),
    ),
    inserts(
      "products (name, price_cents)",
      products.map((p) => [p.name, p.priceCents]),
    ),
    inserts(
      "orders (customer_id, product_id, quantity, total_cents, status, ordered_at)",
      orders.map((o) => [o.customerId, o.productId, o.quantity, o.total, o.status, dateTime(o.orderedAt)]),
    ),
    inserts(
      "employees (first_name, last_name, email, ssn, department, title, salary, hired_on)",
      employees.map((e) => [
        e.firstName,
        e.lastName,
        e.email,
        e.ssn,
        e.department,
        e.title,
        e.salary,
        e.hiredOn,
      ]),
    ),
  ].join("\n");
}

function inserts(target: string, rows: (string | number)[][]): string {
  const statements: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const values = rows
      .slice(start, start + ROWS_PER_INSERT)
      .map(
        (row) =>
          `(${row.map((value) => (typeof value === "number" ? String(value) : sqlString(value))).join(", ")})`,
      );
    statements.push(`INSERT INTO ${target} VALUES ${values.join(",\n")};`);
  }
  return statements.join("\n");
}

/** ISO instant → the DATETIME literal MariaDB reads (UTC, as the Postgres demo's timestamptz). */
function dateTime(iso: string): string {
  return iso.replace("T", " ").replace("Z", "");
}

/** A string literal as MariaDB lexes it by default (backslash escapes on). */
function sqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

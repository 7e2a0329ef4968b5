import { type FakePerson, fakePerson } from "./fake-people";
import { DEPARTMENTS, ORDER_STATUSES, PRODUCTS, TITLES } from "./names";
import { createRandom } from "./random";

/** Enough rows that masking and result streaming are exercised, small enough to build in seconds. */
export const DEMO_SIZES = { customers: 5000, orders: 20_000, employees: 250 } as const;

const SEED = 20261124;

export type DemoCustomer = FakePerson & { createdAt: string };
export type DemoOrder = {
  customerId: number;
  productId: number;
  quantity: number;
  total: number;
  status: string;
  orderedAt: string;
};
export type DemoEmployee = {
  firstName: string;
  lastName: string;
  email: string;
  ssn: string;
  department: string;
  title: string;
  /** Two decimals, as the NUMERIC(10,2) column holds it. */
  salary: string;
  /** YYYY-MM-DD. */
  hiredOn: string;
};

/**
 * The demo shop's rows, the same on every run and for every engine (the Postgres and the MariaDB
 * demo hold the same people). The draws' order is the data: change it and every row changes.
 */
export function demoShopRows() {
  const random = createRandom(SEED);
  const people = Array.from({ length: DEMO_SIZES.customers }, (_, i) => fakePerson(random, i + 1));
  const customers: DemoCustomer[] = people.map((person) => ({ ...person, createdAt: "" }));
  for (const customer of customers) customer.createdAt = daysAgo(random.int(30, 1500));
  const products = PRODUCTS.map(([name, priceCents]) => ({ name, priceCents }));
  const orders: DemoOrder[] = Array.from({ length: DEMO_SIZES.orders }, () => {
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
  const staff = Array.from({ length: DEMO_SIZES.employees }, (_, i) => fakePerson(random, i + 1));
  const departments = staff.map(() => random.pick(DEPARTMENTS));
  const titles = staff.map(() => random.pick(TITLES));
  const salaries = staff.map(() => (random.int(48_000, 240_000) + random.int(0, 99) / 100).toFixed(2));
  const hiredOn = staff.map(() => daysAgo(random.int(30, 4000)).slice(0, 10));
  const employees: DemoEmployee[] = staff.map((person, i) => ({
    firstName: person.firstName,
    lastName: person.lastName,
    email: `${`${person.firstName}.${person.lastName}`.toLowerCase().replace(/[^a-z.]/g, "")}@shop.example`,
    ssn: person.ssn,
    department: departments[i] as string,
    title: titles[i] as string,
    salary: salaries[i] as string,
    hiredOn: hiredOn[i] as string,
  }));
  return { customers, products, orders, employees };
}

function daysAgo(days: number): string {
  return new Date(Date.UTC(2026, 10, 1) - days * 86_400_000).toISOString();
}

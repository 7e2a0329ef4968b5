import { type FakePerson, fakePerson } from "@sluice/db/demo/fake-people";
import { createRandom } from "@sluice/db/demo/random";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import type { Harness } from "./gateway-harness";

/** People whose SSN, email and card number are masked in `customers`, seeded the same on every run. */
export const MASKED_PEOPLE = (() => {
  const random = createRandom(7);
  return Array.from({ length: 30 }, (_, i) => fakePerson(random, i + 1));
})();

/** Every value the agent must never see in clear. */
export const SENSITIVE_VALUES = MASKED_PEOPLE.flatMap((p) => [p.ssn, p.email, p.cardNumber]);

/** The sensitive values that appear in clear in `text` (none, when masking held). */
export function leakedValues(text: string): string[] {
  return SENSITIVE_VALUES.filter((value) => text.includes(value));
}

/** `customers (id, first_name, email, ssn, card_number)` holding `people`, ids from 1. */
export async function createCustomers(client: pg.Client, people: readonly FakePerson[]): Promise<void> {
  await client.query(
    "CREATE TABLE customers (id int PRIMARY KEY, first_name text, email text, ssn text, card_number text)",
  );
  await client.query(
    "INSERT INTO customers SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])",
    [
      people.map((_, i) => i + 1),
      people.map((p) => p.firstName),
      people.map((p) => p.email),
      people.map((p) => p.ssn),
      people.map((p) => p.cardNumber),
    ],
  );
}

export type SeedMaskedShopOptions = {
  /** A group whose agents see the SSN in clear (an exemption on that one rule). */
  ssnExemptGroupId?: string;
};

/**
 * `customers` (ssn redacted, email hashed, card partially shown) and `orders` (nothing masked) in
 * the harness's upstream, with the masking rules loaded by its gateway.
 */
export async function seedMaskedShop(harness: Harness, options: SeedMaskedShopOptions = {}): Promise<void> {
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await createCustomers(direct, MASKED_PEOPLE);
  await direct.query("CREATE TABLE orders (id int PRIMARY KEY, status text)");
  await direct.query("INSERT INTO orders VALUES (1, 'paid'), (2, 'shipped'), (3, 'returned')");
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  for (const [name, column, strategy] of [
    ["ssn", "ssn", "REDACT"],
    ["email", "email", "HASH"],
    ["card", "card_number", "PARTIAL"],
  ] as const) {
    await harness.prisma.maskingRule.create({
      data: {
        connectionId: shop.id,
        name,
        columnSelector: `public.customers.${column}`,
        strategy,
        ...(strategy === "PARTIAL" ? { keepLast: 4 } : {}),
        ...(name === "ssn" && options.ssnExemptGroupId
          ? { exemptions: { create: [{ groupId: options.ssnExemptGroupId }] } }
          : {}),
      },
    });
  }
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}

import { CITIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS } from "./names";
import type { Random } from "./random";

export type FakePerson = {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  ssn: string;
  cardNumber: string;
  street: string;
  city: string;
  state: string;
  postalCode: string;
};

export function fakePerson(random: Random, index: number): FakePerson {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const [city, state] = random.pick(CITIES);
  const local = `${firstName}.${lastName}`
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z.]/g, "");
  return {
    firstName,
    lastName,
    email: `${local}${index}@${random.pick(EMAIL_DOMAINS)}`,
    phone: `(${random.int(201, 989)}) 555-${random.digits(4)}`,
    ssn: fakeSsn(random),
    cardNumber: fakeCardNumber(random),
    street: `${random.int(1, 9999)} ${random.pick(STREETS)}`,
    city,
    state,
    postalCode: random.digits(5),
  };
}

/** Area 001-665 or 667-899, group and serial non-zero: well-formed, as real SSNs are. */
function fakeSsn(random: Random): string {
  let area = random.int(1, 898);
  if (area >= 666) area += 1;
  const group = random.int(1, 99);
  const serial = random.int(1, 9999);
  return `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`;
}

/** A 16-digit Visa-style number that passes the Luhn check, so card detectors treat it as real. */
export function fakeCardNumber(random: Random): string {
  const body = `4${random.digits(14)}`;
  return `${body}${luhnCheckDigit(body)}`;
}

export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

import { getPrisma } from "@sluice/db/prisma";
import { env } from "./env";

export function db() {
  return getPrisma(env().DATABASE_URL);
}

import type { Actor } from "@sluice/admin/actor";
import { actorForUser, authenticateApiToken } from "@sluice/admin/api-tokens";
import type { NextRequest } from "next/server";
import { getServerSession } from "next-auth";
import { getToken } from "next-auth/jwt";
import { authOptions } from "./auth-options";
import { db } from "./db";
import { env } from "./env";
import { isEndedByIdp } from "./saml-session-ended";

/** How a request proved who it is; cookie-authenticated changes must also pass the origin check. */
export type RequestActor = { actor: Actor; via: "cookie" | "bearer" };

/**
 * The actor behind an API request: a bearer API token, or the console's session cookie (an
 * encrypted JWT; a forged or tampered cookie fails to decrypt and counts as no session).
 */
export async function actorFromRequest(request: NextRequest): Promise<RequestActor | null> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const actor = match?.[1] ? await authenticateApiToken(db(), match[1]) : null;
    return actor ? { actor, via: "bearer" } : null;
  }
  const token = await getToken({ req: request, secret: env().NEXTAUTH_SECRET });
  const userId = typeof token?.userId === "string" && !(await isEndedByIdp(token)) ? token.userId : null;
  const actor = userId ? await actorForUser(db(), userId) : null;
  return actor ? { actor, via: "cookie" } : null;
}

/** The signed-in person for a server component, or null. */
export async function currentActor(): Promise<Actor | null> {
  const session = (await getServerSession(authOptions())) as { userId?: unknown } | null;
  return typeof session?.userId === "string" ? actorForUser(db(), session.userId) : null;
}

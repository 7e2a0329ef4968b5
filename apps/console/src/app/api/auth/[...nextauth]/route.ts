import NextAuth from "next-auth";
import { authOptions } from "@/server/auth-options";

type Context = { params: Promise<{ nextauth: string[] }> };

// Built per request so the environment is read at run time, not at `next build`.
async function handle(request: Request, context: Context) {
  return NextAuth(authOptions())(request, { params: await context.params });
}

export { handle as GET, handle as POST };

import { openApiDocument } from "@/server/api/openapi";
import { env } from "@/server/env";

/** The API's contract, public like any OpenAPI document: it describes routes, not data. */
export function GET() {
  return Response.json(openApiDocument(env().origin));
}

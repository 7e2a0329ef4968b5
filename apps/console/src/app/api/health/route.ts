/** Liveness for the launcher and load balancers; says nothing about the store. */
export function GET() {
  return Response.json({ status: "ok" });
}

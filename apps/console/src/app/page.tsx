import { redirect } from "next/navigation";
import { currentActor } from "@/server/actor";
import { landingPath } from "@/server/landing-path";

export default async function Home() {
  const actor = await currentActor();
  redirect(actor ? landingPath(actor) : "/sign-in");
}

import { requirePage } from "@/server/page-guard";
import { PeoplePanel } from "./people-panel";

export const metadata = { title: "People & roles · Sluice" };

export default async function PeoplePage() {
  const actor = await requirePage("users:read");
  return <PeoplePanel selfId={actor.userId} />;
}

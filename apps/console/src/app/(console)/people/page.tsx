import { queryKeys } from "@/client/query-keys";
import { requirePage } from "@/server/page-guard";
import { PrefetchedData } from "@/server/prefetch";
import { PageSkeleton } from "../page-skeleton";
import { PeoplePanel } from "./people-panel";

export const metadata = { title: "People & roles · Sluice" };

export default async function PeoplePage() {
  const actor = await requirePage("users:read");
  return (
    <PrefetchedData
      actor={actor}
      queries={[
        { key: queryKeys.users.list(), path: "/users" },
        { key: queryKeys.roleMappings.list(), path: "/role-mappings" },
      ]}
      fallback={<PageSkeleton title="People & roles" what="people and role mappings" />}
    >
      <PeoplePanel selfId={actor.userId} />
    </PrefetchedData>
  );
}

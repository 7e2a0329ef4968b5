import type { Db } from "@sluice/db/prisma";

type ConnectionRow = Db.Connection & { access?: { group: { name: string } }[] };

/** A connection as the console and API show it: the brokered password only as "is it set". */
export function toConnectionView(row: ConnectionRow) {
  const { passwordCipher, access, ...rest } = row;
  return {
    ...rest,
    hasPassword: passwordCipher !== null,
    allowedGroups: (access ?? []).map((link) => link.group.name).sort(),
  };
}
export type ConnectionView = ReturnType<typeof toConnectionView>;

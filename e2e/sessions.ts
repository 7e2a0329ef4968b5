import { expect, type Page } from "@playwright/test";

type ListedSession = { id: string; connectionName: string; startedAt: string; endedAt: string | null };
type Wanted = { agent: string; connection: string; since: number; verdict?: "denied"; live?: true };

/**
 * Opens, from the Sessions list, the session this test just made. The gateway writes sessions and
 * their counts in batches, so the list can lag the client by a moment, and the newest row alone
 * could be another test's session on a similar name: wait until the API lists this session (its
 * exact connection, started after `since`, refused or still live if asked), then filter the page
 * as an auditor would and open that row.
 */
export async function openSession(page: Page, wanted: Wanted): Promise<void> {
  const query = new URLSearchParams({ agent: wanted.agent, connection: wanted.connection });
  if (wanted.verdict) query.set("verdict", wanted.verdict);
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/api/v1/sessions?${query}`);
        const { sessions } = (await response.json()) as { sessions: ListedSession[] };
        id = sessions.find(
          (session) =>
            session.connectionName === wanted.connection &&
            Date.parse(session.startedAt) >= wanted.since &&
            (!wanted.live || session.endedAt === null),
        )?.id;
        return id;
      },
      { timeout: 20_000, message: `a ${wanted.connection} session started after ${wanted.since}` },
    )
    .toBeTruthy();

  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
  await page.getByLabel("Agent", { exact: true }).fill(wanted.agent);
  await page.getByLabel("Connection", { exact: true }).fill(wanted.connection);
  if (wanted.verdict) await page.getByLabel("Verdict").selectOption(wanted.verdict);
  await page.getByTestId("session-row").locator(`a[href="/sessions/${id}"]`).click();
}

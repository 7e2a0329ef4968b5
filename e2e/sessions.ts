import { expect, type Page } from "@playwright/test";

type ListedSession = { id: string; connectionName: string; startedAt: string };

/**
 * Opens, from the Sessions list, the refused session this test just made. The gateway writes a
 * session's counts in batches, so the list can lag the client by a moment: wait until the API lists
 * this session (its exact connection, started after `since`), then filter the page as an auditor
 * would and open that row. The newest row alone could be another test's session on a similar name.
 */
export async function openDeniedSession(
  page: Page,
  { agent, connection, since }: { agent: string; connection: string; since: number },
): Promise<void> {
  const query = new URLSearchParams({ agent, connection, verdict: "denied" });
  let id: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/api/v1/sessions?${query}`);
        const { sessions } = (await response.json()) as { sessions: ListedSession[] };
        id = sessions.find(
          (session) => session.connectionName === connection && Date.parse(session.startedAt) >= since,
        )?.id;
        return id;
      },
      { timeout: 20_000, message: `a denied ${connection} session started after ${since}` },
    )
    .toBeTruthy();

  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
  await page.getByLabel("Agent", { exact: true }).fill(agent);
  await page.getByLabel("Connection", { exact: true }).fill(connection);
  await page.getByLabel("Verdict").selectOption("denied");
  await page.getByTestId("session-row").locator(`a[href="/sessions/${id}"]`).click();
}

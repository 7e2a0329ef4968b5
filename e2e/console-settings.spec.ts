import { expect, test } from "@playwright/test";
import { seriousViolations, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

test("[ADMIN] stores the SAML identity provider's metadata from the console, refusing a bad paste on the field", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Sign-in settings" }).click();
  await expect(page.getByRole("heading", { name: "Sign-in settings" })).toBeVisible();
  const origin = new URL(page.url()).origin;
  await expect(page.getByTestId("sp-metadata-url")).toHaveText(`${origin}/api/saml/metadata`);
  // `sluice start` configures its local IdP through the environment; nothing is stored yet.
  const current = page.getByTestId("saml-idp-current");
  await expect(current).toContainText("None stored");
  const environmentUrl = await current.locator("code").textContent();
  expect(environmentUrl).toMatch(/^http/);

  // A paste that would break every SAML sign-in is refused next to the field, and nothing changes.
  await page.getByLabel("Identity provider metadata (XML)").fill("<md:EntityDescriptor");
  await page.getByRole("button", { name: "Save identity provider" }).click();
  await expect(page.locator("#saml-metadata-error")).toContainText("not valid XML");
  await expect(current).toContainText("None stored");
  expect(await seriousViolations(page)).toEqual([]);

  // The IdP's real metadata is stored, shown by what sign-in will use, and used by the next sign-in.
  const published = await (await page.request.get(environmentUrl ?? "")).text();
  // The same IdP reached by another host name: a sign-in sent there proves the stored copy is used.
  const metadata = published.replace(/<(?:md:)?SingleSignOnService[^>]*HTTP-Redirect[^>]*>/, (tag) =>
    tag.replace(
      /:\/\/(localhost|127\.0\.0\.1)/,
      (_, host) => `://${host === "localhost" ? "127.0.0.1" : "localhost"}`,
    ),
  );
  expect(metadata).not.toBe(published);
  await page.getByLabel("Identity provider metadata (XML)").fill(metadata);
  await expect(page.locator("#saml-metadata-error")).toHaveCount(0);
  await page.getByRole("button", { name: "Save identity provider" }).click();
  await expect(current).toContainText("Entity ID");
  await expect(current).toContainText("admin@sluice.local");
  const ssoUrl = await current.locator("dd").nth(1).textContent();
  const login = await page.request.get("/api/saml/login", { maxRedirects: 0 });
  expect(login.status()).toBeGreaterThanOrEqual(300);
  expect(login.headers().location?.startsWith(ssoUrl ?? "no sso url")).toBe(true);
  expect(published).not.toContain(ssoUrl ?? "no sso url");
  expect(await seriousViolations(page)).toEqual([]);

  // Removing it asks first, then sign-in goes back to the environment's URL.
  await page.getByRole("button", { name: "Remove the stored identity provider" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove identity provider" }).click();
  await expect(current).toContainText("None stored");
});

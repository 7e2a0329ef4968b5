import { expect, type Page, test } from "@playwright/test";
import { type DemoRole, demoState, signIn } from "./support";

const SAML_PORT = process.env.SLUICE_E2E_SAML_PORT ?? "3102";

/** Signs in through the console's SAML link and the local SAML IdP's form, as a person would. */
async function signInWithSaml(page: Page, role: DemoRole): Promise<string> {
  const user = demoState().users.find((candidate) => candidate.email === `${role}@sluice.local`);
  if (!user) throw new Error(`no demo user for ${role}`);
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Sign in with SAML" }).click();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Four hops after the IdP's form (ACS, completion page, next-auth, landing page): on a busy
  // machine the first run of each page takes longer than the default five seconds.
  await expect(page).toHaveURL(role === "reviewer" ? /\/reviews$/ : /\/dashboard$/, { timeout: 30_000 });
  await expect(page.getByTestId("viewer-email")).toHaveText(user.email);
  return user.email;
}

const NAV: Record<DemoRole, RegExp[]> = {
  admin: [/^Dashboard$/, /^Connections$/],
  reviewer: [/^Dashboard$/, /^Reviews(\d+ pending)?$/, /^API tokens$/],
  auditor: [/^Dashboard$/, /^Sessions$/],
};

for (const role of ["admin", "reviewer", "auditor"] as const) {
  test(`[${role.toUpperCase()}] signs in with SAML into their role, and signing out ends the IdP session too`, async ({
    page,
  }) => {
    await signInWithSaml(page, role);
    const links = page.getByRole("navigation", { name: "Console" }).getByRole("link");
    if (role === "reviewer") await expect(links).toHaveText(NAV.reviewer);
    for (const name of NAV[role]) await expect(links.filter({ hasText: name }).first()).toBeVisible();
    if (role !== "admin") expect(await links.filter({ hasText: /^Connections$/ }).count()).toBe(0);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in\?signedOut=idp$/, { timeout: 30_000 });
    await expect(page.getByRole("status")).toHaveText(
      "You are signed out of Sluice and of your identity provider.",
    );
    // The IdP forgot the session: signing in again asks for the password.
    await page.getByRole("link", { name: "Sign in with SAML" }).click();
    await expect(page.getByLabel("Password")).toBeVisible();
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/sign-in/);
  });
}

test("[AUDITOR] signing out at the SAML IdP ends that console session wherever its cookie is", async ({
  page,
  browser,
}) => {
  await signInWithSaml(page, "auditor");
  // The same console session held by another browser (a copied cookie), and a second, separate sign-in.
  const copied = await browser.newContext({ baseURL: new URL(page.url()).origin });
  await copied.addCookies(await page.context().cookies(new URL(page.url()).origin));
  const copiedPage = await copied.newPage();
  await copiedPage.goto("/dashboard");
  await expect(copiedPage.getByTestId("viewer-email")).toHaveText("auditor@sluice.local");
  const separate = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const separatePage = await separate.newPage();
  await signInWithSaml(separatePage, "auditor");

  // The IdP sends a signed LogoutRequest through this browser; the console answers signed.
  await page.goto(`http://127.0.0.1:${SAML_PORT}/logout`);
  await expect(page.getByText("You are signed out of Sluice and of this identity provider.")).toBeVisible({
    timeout: 30_000,
  });
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
  // The copied cookie was never cleared, yet its session is over.
  await copiedPage.goto("/dashboard");
  await expect(copiedPage).toHaveURL(/\/sign-in/);
  // Another IdP session (another SessionIndex) of the same person goes on.
  await separatePage.goto("/dashboard");
  await expect(separatePage.getByTestId("viewer-email")).toHaveText("auditor@sluice.local");
  await copied.close();
  await separate.close();
});

test("[ADMIN] after signing out, single sign-on (OIDC) asks for the password again", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/, { timeout: 30_000 });
  await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
  await expect(page.getByLabel("Password")).toBeVisible();
});

test("[ANONYMOUS] a SAML response posted a second time signs nobody in", async ({ page, browser }) => {
  let posted: string | null = null;
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/api/saml/acs")) posted = request.postData();
  });
  await signInWithSaml(page, "auditor");
  expect(posted).toContain("SAMLResponse=");

  // An attacker replays the captured form from another browser.
  const attacker = await browser.newContext();
  const replay = await attacker.request.post("/api/saml/acs", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: posted ?? "",
    maxRedirects: 0,
  });
  expect(replay.status()).toBe(303);
  expect(replay.headers().location).toMatch(/\/sign-in\?error=SamlRejected$/);
  await attacker.close();
});

test("[ANONYMOUS] the console publishes its SAML SP metadata", async ({ request }) => {
  const response = await request.get("/api/saml/metadata");
  expect(response.status()).toBe(200);
  const xml = await response.text();
  expect(xml).toContain('AuthnRequestsSigned="true"');
  expect(xml).toMatch(/AssertionConsumerService[^>]+Location="http:\/\/localhost:\d+\/api\/saml\/acs"/);
  expect(xml).toContain("<ds:X509Certificate>");
  // An IdP may encrypt assertions to the console: the metadata says with which key.
  expect(xml).toContain('<md:KeyDescriptor use="encryption">');
});

import { expect, type Page, test } from "@playwright/test";
import { signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

type Guardrail = { id: string; name: string; match: Record<string, unknown> };

async function openGuardrails(page: Page) {
  await page.getByRole("link", { name: "Guardrails" }).click();
  await expect(page.getByRole("link", { name: "Guardrails" })).toHaveAttribute("aria-current", "page");
}

async function savedGuardrail(page: Page, name: string): Promise<Guardrail | undefined> {
  const listed = (await (await page.request.get("/api/v1/guardrails")).json()) as Guardrail[];
  return listed.find((rule) => rule.name === name);
}

async function removeGuardrail(page: Page, name: string) {
  const rule = await savedGuardrail(page, name);
  const origin = new URL(page.url()).origin;
  const removed = await page.request.delete(`/api/v1/guardrails/${rule?.id}`, { headers: { origin } });
  expect(removed.ok()).toBe(true);
}

test("[ADMIN] editing an ALLOW SETTING rule in the console shows its values and changes them", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `e2e-setting-${suffix}`;
  // A custom setting of this test's own: the demo's behaviour for other specs is unchanged.
  const setting = `e2e.tenant_${suffix}`;
  await signIn(page, "admin");
  const origin = new URL(page.url()).origin;
  const created = await page.request.post("/api/v1/guardrails", {
    headers: { origin },
    data: {
      name,
      kind: "SETTING",
      effect: "ALLOW",
      match: { settings: [setting], values: ["tenant_*"] },
    },
  });
  expect(created.ok(), await created.text()).toBe(true);
  await openGuardrails(page);

  const row = page.getByTestId(`guardrail-${name}`);
  await expect(row.getByTestId("guardrail-parameters")).toHaveText(`${setting} values: tenant_*`);
  await row.getByRole("button", { name: `Edit guardrail ${name}` }).click();
  await expect(page.getByLabel("Allowed values")).toHaveValue("tenant_*");
  await page.getByLabel("Message to the agent").fill("ask for your tenant's value");
  await page.getByRole("button", { name: "Save guardrail" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Guardrail ${name} saved` })).toBeVisible();
  // Saving another field keeps the values (dropping them would allow any value).
  expect((await savedGuardrail(page, name))?.match).toEqual({ settings: [setting], values: ["tenant_*"] });

  // One value a line: a value may hold a comma, as a search_path does.
  await row.getByRole("button", { name: `Edit guardrail ${name}` }).click();
  await page.getByLabel("Allowed values").fill("tenant_*\n  guest, public  \n");
  await page.getByRole("button", { name: "Save guardrail" }).click();
  await expect(row.getByTestId("guardrail-parameters")).toHaveText(
    `${setting} values: tenant_*, guest, public`,
  );
  expect((await savedGuardrail(page, name))?.match).toEqual({
    settings: [setting],
    values: ["tenant_*", "guest, public"],
  });
  await removeGuardrail(page, name);
});

test("[ADMIN] a new ALLOW SETTING rule's values get field errors until the server could take them", async ({
  page,
}) => {
  const name = `e2e-jit-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  await openGuardrails(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Looks at").selectOption("SETTING");
  await page.getByLabel("Settings", { exact: true }).fill("jit");
  await page.getByLabel("Allowed values").fill("off");
  const values = page.getByLabel("Allowed values");

  // A DENY refuses every change of the setting: values do not belong there.
  await page.getByLabel("Effect").selectOption("DENY");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator("#guardrail-values-error")).toContainText("values narrow an ALLOW rule");
  await expect(values).toHaveAttribute("aria-invalid", "true");

  // jit is on or off: a value the server would refuse would make the rule allow nothing.
  await page.getByLabel("Effect").selectOption("ALLOW");
  await values.fill("maybe");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator("#guardrail-values-error")).toContainText('the server refuses "maybe"');
  await values.fill("OFF");
  await expect(page.locator("#guardrail-values-error")).toHaveCount(0);
  await page.getByRole("button", { name: "Add guardrail" }).click();

  const row = page.getByTestId(`guardrail-${name}`);
  await expect(row.getByTestId("guardrail-parameters")).toHaveText("jit values: OFF");
  expect((await savedGuardrail(page, name))?.match).toEqual({ settings: ["jit"], values: ["OFF"] });
  await removeGuardrail(page, name);
});

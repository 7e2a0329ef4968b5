import { expect, test } from "@playwright/test";
import { signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

type Guardrail = { id: string; name: string; match: Record<string, unknown> };

test("[ADMIN] editing an ALLOW SETTING rule in the console keeps the values it allows", async ({ page }) => {
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
  await page.getByRole("link", { name: "Guardrails" }).click();
  await expect(page.getByRole("link", { name: "Guardrails" })).toHaveAttribute("aria-current", "page");

  const row = page.getByTestId(`guardrail-${name}`);
  await expect(row.getByTestId("guardrail-parameters")).toHaveText(`${setting} values: tenant_*`);
  await row.getByRole("button", { name: `Edit guardrail ${name}` }).click();
  await page.getByLabel("Message to the agent").fill("ask for your tenant's value");
  await page.getByRole("button", { name: "Save guardrail" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Guardrail ${name} saved` })).toBeVisible();

  // The form has no field for values: saving must not drop them (that would allow any value).
  await expect(row.getByTestId("guardrail-parameters")).toHaveText(`${setting} values: tenant_*`);
  const listed = (await (await page.request.get("/api/v1/guardrails")).json()) as Guardrail[];
  const saved = listed.find((rule) => rule.name === name);
  expect(saved?.match).toEqual({ settings: [setting], values: ["tenant_*"] });

  const removed = await page.request.delete(`/api/v1/guardrails/${saved?.id}`, { headers: { origin } });
  expect(removed.ok()).toBe(true);
});

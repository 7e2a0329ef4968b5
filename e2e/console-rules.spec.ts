import { expect, type Page, test } from "@playwright/test";
import { seriousViolations, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

// Rules here name tables that do not exist upstream, so the demo's behaviour for other specs is unchanged.

test("[ADMIN] a masking rule previews its strategy on a value like its column's, clears fixed field errors, and edits in place", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `kit-mask-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Masking" }).click();

  // A wrong selector: the message sits next to the field, and goes once the field is fixed.
  await page.getByLabel("Name").fill(name);
  await page.locator("#masking-connection").selectOption({ label: "demo_shop" });
  await page.getByLabel("Column selector").fill("card_number");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  const selectorError = page.locator("#masking-selector-error");
  await expect(selectorError).toContainText("schema.table.column");
  await page.getByLabel("Column selector").fill(`public.e2e_none_${suffix}.card_number`);
  await expect(selectorError).toHaveCount(0);

  // The preview before saving: a card number, keeping its last four digits under PARTIAL.
  await page.getByLabel("Strategy").selectOption("PARTIAL");
  await page.getByLabel("Characters left visible").fill("4");
  const example = page.getByTestId("strategy-example");
  await expect(example).toContainText("4111 1111 1111 1111");
  await expect(example).toContainText(/as \S*1111/);
  await expect(example).not.toContainText("@example.com");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  const row = page.getByTestId(`masking-rule-${name}`);
  await expect(row).toContainText("partial (last 4)");

  // Edit in place, then disable and delete.
  await row.getByRole("button", { name: `Edit masking rule ${name}` }).click();
  await expect(page.getByRole("heading", { name: `Edit masking rule ${name}` })).toBeVisible();
  await expect(page.getByLabel("Column selector")).toHaveValue(`public.e2e_none_${suffix}.card_number`);
  await page.getByLabel("Strategy").selectOption("REDACT");
  await page.getByRole("button", { name: "Save masking rule" }).click();
  await expect(row).toContainText("redact");
  await expect(page.getByRole("heading", { name: "New masking rule" })).toBeVisible();
  await row.getByRole("button", { name: `Disable masking rule ${name}` }).click();
  await expect(row).toContainText("disabled");
  await row.getByRole("button", { name: `Delete masking rule ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(row).toHaveCount(0);
});

test("[ADMIN] a review rule's expiry is in minutes like the review window, reads as words, and edits in place", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `kit-review-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Review rules" }).click();

  await page.getByLabel("Name").last().fill(name);
  await page.locator("#rule-connection").selectOption({ label: "demo_shop" });
  await page.getByLabel("Tables").fill(`public.e2e_none_${suffix}`);
  await page.getByLabel("Reviewer groups").fill("finance-leads");
  await page.getByLabel("Expires after (minutes)").fill("0.1");
  await page.getByRole("button", { name: "Add review rule" }).click();
  const expiryError = page.locator("#rule-expires-error");
  await expect(expiryError).toContainText("at least 30 seconds");
  await page.getByLabel("Expires after (minutes)").fill("15");
  await expect(expiryError).toHaveCount(0);
  await page.getByRole("button", { name: "Add review rule" }).click();
  const row = page.getByTestId(`review-rule-${name}`);
  await expect(row.getByTestId("review-rule-expiry")).toHaveText("15 min");
  await expect(row).toContainText(`tables public.e2e_none_${suffix}`);

  await row.getByRole("button", { name: `Edit review rule ${name}` }).click();
  await expect(page.getByLabel("Expires after (minutes)")).toHaveValue("15");
  await page.getByLabel("Expires after (minutes)").fill("90");
  await page.getByRole("button", { name: "Save review rule" }).click();
  await expect(row.getByTestId("review-rule-expiry")).toHaveText("1 h 30 min");

  await row.getByRole("button", { name: `Delete review rule ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(row).toHaveCount(0);
});

/** An HTTP connection made through the API (the connection form has its own spec). */
async function createHttpConnection(page: Page, name: string): Promise<void> {
  const origin = new URL(page.url()).origin;
  const response = await page.request.post("/api/v1/connections", {
    headers: { origin },
    data: {
      type: "HTTP",
      name,
      host: "crm.invalid",
      port: 443,
      database: "/",
      tlsMode: "VERIFY_FULL",
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
}

test("[ADMIN] HTTP masking, guardrail and review rules are written, edited, disabled and deleted in place, and the try box judges calls", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const suffix = Date.now().toString(36);
  const connection = `e2e-api-${suffix}`;
  await signIn(page, "admin");
  await createHttpConnection(page, connection);

  // Masking a response field by JSONPath; a filter the gateway cannot read is refused on the field.
  await page.getByRole("link", { name: "Masking" }).click();
  await page.getByLabel("Name").fill(`api-ssn-${suffix}`);
  await page.locator("#masking-connection").selectOption({ label: connection });
  await page.getByLabel("Match by").selectOption("json");
  await page.getByLabel("JSON field").fill("$.items[?(@.x)]");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  await expect(page.locator("#masking-json-error")).toBeVisible();
  await page.getByLabel("JSON field").fill("$..ssn");
  await expect(page.locator("#masking-json-error")).toHaveCount(0);
  await expect(page.getByTestId("strategy-example")).toContainText("123-45-6789");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  const maskRow = page.getByTestId(`masking-rule-api-ssn-${suffix}`);
  await expect(maskRow).toContainText("field: $..ssn");
  await maskRow.getByRole("button", { name: `Edit masking rule api-ssn-${suffix}` }).click();
  await expect(page.getByLabel("JSON field")).toHaveValue("$..ssn");
  await page.getByLabel("JSON field").fill("/customers/*/ssn");
  await page.getByRole("button", { name: "Save masking rule" }).click();
  await expect(maskRow).toContainText("field: /customers/*/ssn");

  // A guardrail on HTTP calls: method and path, written and edited in place.
  await page.getByRole("link", { name: "Guardrails" }).click();
  const guardName = `api-no-admin-${suffix}`;
  await page.locator("#guardrail-name").fill(guardName);
  await page.locator("#guardrail-connection").selectOption({ label: connection });
  await page.getByLabel("Looks at").selectOption("HTTP_REQUEST");
  await page.locator("#guardrail-http-path").fill("admin/**");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator("#guardrail-http-path-error")).toContainText("starts with '/'");
  await page.locator("#guardrail-http-path").fill("/admin/**");
  await page.locator("#guardrail-http-body").fill("not json");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator("#guardrail-http-body-error")).toContainText("a JSON object");
  await page.locator("#guardrail-http-body").fill("");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  const guardRow = page.getByTestId(`guardrail-${guardName}`);
  await expect(guardRow.getByTestId("guardrail-parameters")).toHaveText("/admin/**");
  await guardRow.getByRole("button", { name: `Edit guardrail ${guardName}` }).click();
  await expect(page.locator("#guardrail-http-path")).toHaveValue("/admin/**");
  await page.locator("#guardrail-http-methods").fill("delete, post");
  await page.getByRole("button", { name: "Save guardrail" }).click();
  await expect(guardRow.getByTestId("guardrail-parameters")).toHaveText("DELETE/POST /admin/**");

  // The try box turns into a call on an HTTP connection and uses the gateway's HTTP decision.
  await page.locator("#try-connection").selectOption({ label: connection });
  await expect(page.getByRole("heading", { name: "Try an HTTP call" })).toBeVisible();
  await page.getByLabel("Method").selectOption("DELETE");
  await page.locator("#try-path").fill("/Admin/users/7");
  await page.getByRole("button", { name: "Judge it" }).click();
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toContainText(`Denied by ${guardName}`);
  await expect(verdict).toContainText("HTTP 403");
  await page.getByLabel("Method").selectOption("GET");
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(verdict).toContainText("Allowed.");
  await expect(verdict).toContainText("masked by field /customers/*/ssn");
  // Headers are judged as the gateway judges an agent's: an override header is refused.
  await page.getByLabel("Headers").fill("Accept: application/json\nX-HTTP-Method-Override: DELETE");
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(verdict).toContainText("sluice:http-method-override");
  await page.getByLabel("Headers").fill("Accept application/json");
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(page.locator("#try-headers")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("line 1 is not a header (Name: value)")).toBeVisible();
  await page.getByLabel("Headers").fill("");
  expect(await seriousViolations(page)).toEqual([]);
  await guardRow.getByRole("button", { name: `Disable guardrail ${guardName}` }).click();
  await expect(guardRow).toContainText("disabled");
  await guardRow.getByRole("button", { name: `Delete guardrail ${guardName}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete guardrail" }).click();
  await expect(guardRow).toHaveCount(0);

  // A review rule on HTTP calls: the try box reports the hold as a hold.
  await page.getByRole("link", { name: "Review rules" }).click();
  const reviewName = `api-refunds-${suffix}`;
  // The connection first: picking an HTTP one turns the match into method, path, query and body.
  await expect(page.getByRole("cell", { name: "finance-leads" }).first()).toBeVisible();
  await page.locator("#rule-connection").selectOption({ label: connection });
  await page.locator("#rule-name").fill(reviewName);
  await page.locator("#rule-http-methods").fill("POST");
  await page.locator("#rule-http-path").fill("/orders/{id}/refund");
  await page.locator("#rule-http-body").fill('{"$.amount": "*"}');
  await page.getByLabel("Reviewer groups").fill("finance-leads");
  await page.getByRole("button", { name: "Add review rule" }).click();
  const reviewRow = page.getByTestId(`review-rule-${reviewName}`);
  await expect(reviewRow).toContainText("POST /orders/{id}/refund · body $.amount");
  await reviewRow.getByRole("button", { name: `Edit review rule ${reviewName}` }).click();
  await expect(page.locator("#rule-http-path")).toHaveValue("/orders/{id}/refund");
  await page.getByLabel("Expires after (minutes)").fill("30");
  await page.getByRole("button", { name: "Save review rule" }).click();
  await expect(reviewRow.getByTestId("review-rule-expiry")).toHaveText("30 min");

  await page.getByRole("link", { name: "Guardrails" }).click();
  await page.locator("#try-connection").selectOption({ label: connection });
  await page.getByLabel("Method").selectOption("POST");
  await page.locator("#try-path").fill("/orders/7/refund");
  await page.getByLabel("Body (JSON)").fill('{"amount": 12}');
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(verdict).toContainText(`Held for review by rule ${reviewName}; reviewers: finance-leads.`);

  await page.getByRole("link", { name: "Review rules" }).click();
  await reviewRow.getByRole("button", { name: `Disable review rule ${reviewName}` }).click();
  await expect(reviewRow).toContainText("disabled");
  await reviewRow.getByRole("button", { name: `Delete review rule ${reviewName}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(reviewRow).toHaveCount(0);
});

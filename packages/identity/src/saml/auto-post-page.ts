import { createHash } from "node:crypto";

/** Submits the form as soon as the page loads; its hash goes in the page's CSP, so no other script runs. */
const SUBMIT_SCRIPT = "document.forms[0].submit();";
const SCRIPT_HASH = `sha256-${createHash("sha256").update(SUBMIT_SCRIPT).digest("base64")}`;

/**
 * The SAML HTTP-POST binding as a page: a form addressed to the other party that submits itself,
 * with a button for browsers that run no scripts.
 */
export function renderAutoPostPage(options: { action: string; fields: Record<string, string> }) {
  const inputs = Object.entries(options.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing you in · Sluice local identity provider</title></head>
<body><form method="post" action="${escapeHtml(options.action)}">${inputs}
<noscript><button type="submit">Continue</button></noscript></form>
<script>${SUBMIT_SCRIPT}</script></body></html>`;
  return { html, scriptHash: SCRIPT_HASH };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The local provider's sign-in form: plain HTML, no scripts, so it works with any browser. */
export function renderLoginPage(options: {
  action: string;
  clientName: string;
  error?: string;
  email?: string;
}) {
  const error = options.error ? `<p role="alert" class="error">${escapeHtml(options.error)}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Sluice local identity provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:2rem;width:22rem;display:grid;gap:.75rem}
input{padding:.5rem;border:1px solid #cbd5e1;border-radius:6px;font-size:1rem}
button{padding:.6rem;border:0;border-radius:6px;background:#0f172a;color:#fff;font-size:1rem;cursor:pointer}
.error{color:#b91c1c;margin:0}.hint{color:#64748b;font-size:.85rem;margin:0}
</style></head>
<body><form method="post" action="${escapeHtml(options.action)}">
<h1 style="margin:0;font-size:1.4rem">Sign in</h1>
<p class="hint">Local identity provider for ${escapeHtml(options.clientName)}. Demo users and passwords are printed by <code>sluice start</code>.</p>
${error}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(options.email ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>`;
}

/**
 * The provider's sign-out step: its own form (with its anti-forgery token) submitted with
 * `logout=yes` as soon as the page loads; the button is for browsers without scripts.
 */
export function renderLogoutPage(form: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing out · Sluice local identity provider</title></head>
<body>${form}
<p>Signing you out of the local identity provider…</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>var f=document.getElementById("op.logoutForm");var i=document.createElement("input");i.type="hidden";i.name="logout";i.value="yes";f.appendChild(i);f.submit();</script>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

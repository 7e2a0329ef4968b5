"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { secondaryButtonClass } from "@/client/ui";

/**
 * Ends the console session, then the IdP's (OIDC RP-initiated logout or SAML single logout) when it
 * offers one, so "Sign in" afterwards asks who you are again instead of going straight back in.
 */
export function SignOutButton() {
  const [isBusy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={secondaryButtonClass}
      disabled={isBusy}
      onClick={async () => {
        setBusy(true);
        const answer = await fetch("/api/session/end", { method: "POST" })
          .then((response) => (response.ok ? response.json() : {}))
          .catch(() => ({}));
        const next = (answer as { identityProviderLogoutUrl?: string | null }).identityProviderLogoutUrl;
        await signOut({ redirect: false });
        window.location.assign(next ?? "/sign-in?signedOut=console");
      }}
    >
      {isBusy ? "Signing out…" : "Sign out"}
    </button>
  );
}

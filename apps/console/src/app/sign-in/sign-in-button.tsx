"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { buttonClass } from "@/client/ui";

export function SignInButton({ callbackUrl }: { callbackUrl: string }) {
  const [isBusy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={`${buttonClass} py-2.5 text-base`}
      disabled={isBusy}
      onClick={() => {
        setBusy(true);
        void signIn("oidc", { callbackUrl });
      }}
    >
      {isBusy ? "Redirecting…" : "Sign in with single sign-on"}
    </button>
  );
}

"use client";

import { signIn } from "next-auth/react";
import { useEffect, useRef } from "react";

/** Hands the accepted SAML sign-in to next-auth (CSRF token and all), once. */
export function CompleteSamlSignIn({ requestId, callbackUrl }: { requestId: string; callbackUrl: string }) {
  const hasStarted = useRef(false);
  useEffect(() => {
    if (hasStarted.current) return;
    hasStarted.current = true;
    void signIn("saml", { requestId, callbackUrl });
  }, [requestId, callbackUrl]);
  return <p className="text-slate-600">Your identity provider vouched for you; opening the console.</p>;
}

import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/client/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: "Sluice console",
  description: "Guardrails, masking, approvals and recordings for AI agents' database access",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}

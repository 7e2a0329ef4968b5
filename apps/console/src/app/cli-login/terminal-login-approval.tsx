"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import {
  buttonClass,
  Card,
  Field,
  FormError,
  inputClass,
  SubmitForm,
  secondaryButtonClass,
  TextField,
} from "@/client/ui";

type Props = {
  tokenHash: string;
  prefix: string;
  code: string;
  suggestedName: string;
  email: string;
  roles: string[];
};

/** The approval form: the code to compare with the terminal's, and the token's name, role and lifetime. */
export function TerminalLoginApproval(props: Props) {
  const [form, setForm] = useState({
    name: props.suggestedName,
    role: props.roles[0] ?? "",
    expiresInDays: "90",
  });
  const approve = useMutation({
    mutationFn: () =>
      api("/api-tokens/terminal-login", {
        method: "POST",
        body: {
          ...form,
          expiresInDays: Number(form.expiresInDays),
          tokenHash: props.tokenHash,
          prefix: props.prefix,
        },
      }),
  });
  const errors = fieldErrors(approve.error);
  if (approve.isSuccess) {
    return (
      <Card>
        <p role="status" className="text-sm">
          Approved. Your terminal is signed in as {props.email} ({form.role.toLowerCase()}); you can close
          this page. Revoke the token under <Link href="/api-tokens">API tokens</Link> at any time.
        </p>
      </Card>
    );
  }
  return (
    <Card>
      <p className="text-sm text-slate-700">
        A terminal running <code>sluice login</code> asks for an API token that acts as{" "}
        <strong>{props.email}</strong>. Approve only if you started it yourself and it shows this code:
      </p>
      <p data-testid="login-code" className="my-4 text-center font-mono text-3xl tracking-widest">
        {props.code}
      </p>
      <SubmitForm className="flex flex-col gap-3" onSubmit={() => approve.mutate()}>
        <TextField
          id="login-token-name"
          label="Token name"
          error={errors.name}
          value={form.name}
          onChange={(value) => setForm({ ...form, name: value })}
        />
        <Field id="login-token-role" label="Role" error={errors.role}>
          <select
            id="login-token-role"
            className={inputClass}
            value={form.role}
            onChange={(event) => setForm({ ...form, role: event.target.value })}
          >
            {props.roles.map((role) => (
              <option key={role} value={role}>
                {role.toLowerCase()}
              </option>
            ))}
          </select>
        </Field>
        <TextField
          id="login-token-expires"
          label="Expires in (days)"
          error={errors.expiresInDays}
          type="number"
          value={form.expiresInDays}
          onChange={(value) => setForm({ ...form, expiresInDays: value })}
        />
        <div className="flex gap-3">
          <button type="submit" className={buttonClass} disabled={approve.isPending}>
            Approve
          </button>
          <Link href="/dashboard" className={secondaryButtonClass}>
            Cancel
          </Link>
        </div>
      </SubmitForm>
      <FormError error={approve.error} />
    </Card>
  );
}

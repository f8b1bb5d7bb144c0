"use client";
import { useState, useTransition } from "react";
import { inviteAction, revokeInvitationAction } from "@/app/t/[slug]/team/actions";
import { ActionForm } from "./action-form.tsx";
import { Field, Select } from "./field.tsx";

export function InviteForm(props: {
  slug: string;
  canInviteAdmins: boolean;
  mailboxes: Array<{ id: string; address: string }>;
}) {
  const [sent, setSent] = useState<{ email: string; link: string; mailed: boolean } | null>(null);
  const [role, setRole] = useState(props.canInviteAdmins ? "admin" : "user");
  return (
    <div className="space-y-4">
      <ActionForm
        slug={props.slug}
        action={inviteAction}
        submitLabel="Send invitation"
        pendingLabel="Inviting…"
        onSuccess={(d) => setSent(d)}
        resetOnSuccess
      >
        <Field name="email" label="Email address" type="email" required />
        <div onChange={(e) => setRole((e.target as unknown as HTMLSelectElement).value)}>
          <Select
            name="role"
            label="Role"
            defaultValue={role}
            options={[
              ...(props.canInviteAdmins
                ? [{ value: "admin", label: "Admin — manages mail systems, mailboxes and phones" }]
                : []),
              { value: "user", label: "Phone holder — adds and removes phones for one mailbox" },
            ]}
          />
        </div>
        {role === "user" && (
          <Select
            name="mailboxId"
            label="Their mailbox"
            options={props.mailboxes.map((m) => ({ value: m.id, label: m.address }))}
            hint="The first 200 mailboxes; search on the Mailboxes page for others."
          />
        )}
      </ActionForm>
      {sent && (
        <div role="status" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
          <p className="font-medium">
            Invitation for {sent.email} created{sent.mailed ? " and mailed" : ""}.
          </p>
          {!sent.mailed && (
            <p className="mt-1">
              No mail relay is configured: send them this link yourself (it works for 7 days, once).
            </p>
          )}
          <input
            readOnly
            value={sent.link}
            aria-label="Invitation link"
            className="mt-2 block w-full rounded-lg border border-emerald-300 bg-white px-3 py-2 font-mono text-xs"
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
      )}
    </div>
  );
}

export function RevokeInvitation(props: { slug: string; id: string }) {
  const [pending, start] = useTransition();
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() =>
        start(async () => {
          await revokeInvitationAction(props.slug, { id: props.id });
          window.location.reload();
        })
      }
      className="text-xs font-semibold text-red-700 hover:underline disabled:opacity-60"
    >
      {pending ? "Withdrawing…" : "Withdraw"}
    </button>
  );
}

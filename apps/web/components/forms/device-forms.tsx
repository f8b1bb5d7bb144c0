"use client";
// Put a phone on the air: name it, get a QR code for a single-use setup link
// (15 minutes), and the manual settings for phones that cannot scan.
import { useState, useTransition } from "react";
import { addDeviceAction, revokeDeviceAction } from "@/app/t/[slug]/mailboxes/actions";
import { ActionForm } from "./action-form.tsx";
import { Field } from "./field.tsx";

type Enrollment = {
  url: string;
  qrDataUrl: string;
  expiresAt: string;
  minutes: number;
  address: string;
  settings: { host: string; imapsPort: number; imapPort: number; smtpsPort: number; smtpPort: number };
};

function Row(props: { k: string; v: string | number }) {
  return (
    <div className="flex justify-between gap-4 border-b border-slate-100 py-1.5 last:border-0">
      <dt className="text-slate-500">{props.k}</dt>
      <dd className="text-right font-mono text-xs break-all text-ink">{props.v}</dd>
    </div>
  );
}

export function ManualSettings(props: { address: string; s: Enrollment["settings"]; password?: string }) {
  return (
    <dl className="text-sm">
      <Row k="Email address / user name" v={props.address} />
      {props.password && <Row k="Password" v={props.password} />}
      <Row k="Incoming (IMAP) server" v={props.s.host} />
      <Row k="IMAP port and security" v={`${props.s.imapsPort} SSL/TLS (or ${props.s.imapPort} STARTTLS)`} />
      <Row k="Outgoing (SMTP) server" v={props.s.host} />
      <Row k="SMTP port and security" v={`${props.s.smtpsPort} SSL/TLS (or ${props.s.smtpPort} STARTTLS)`} />
      <Row k="Authentication" v="Normal password" />
    </dl>
  );
}

export function AddDeviceForm(props: { slug: string; mailboxId: string }) {
  const [e, setE] = useState<Enrollment | null>(null);
  if (e)
    return (
      <div className="grid gap-6 md:grid-cols-[auto_1fr]" aria-live="polite">
        <figure className="mx-auto text-center">
          {/* A data URL made on the server: next/image has nothing to optimise. */}
          {/* biome-ignore lint/performance/noImgElement: data URL */}
          <img
            src={e.qrDataUrl}
            width={240}
            height={240}
            alt={`QR code for the setup link of ${e.address}`}
            className="rounded-lg border border-slate-200 bg-white p-2"
            data-testid="enroll-qr"
          />
          <figcaption className="mt-2 text-xs text-slate-500">
            Scan with the phone's camera. Works once, for {e.minutes} minutes (until{" "}
            {new Date(e.expiresAt).toLocaleTimeString()}).
          </figcaption>
        </figure>
        <div className="min-w-0 space-y-4">
          <div>
            <h3 className="font-semibold text-ink">Scan this with the phone</h3>
            <p className="mt-1 text-sm text-slate-600">
              On an iPhone or iPad it installs a profile that sets up Mail. On Android it shows the settings and a
              one-time password to enter in the mail app.
            </p>
          </div>
          <div>
            <label htmlFor="enroll-url" className="text-xs font-medium text-slate-500">
              Or open this link on the phone
            </label>
            <input
              id="enroll-url"
              readOnly
              value={e.url}
              className="mt-1 block w-full rounded-lg border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
              onFocus={(ev) => ev.currentTarget.select()}
              data-testid="enroll-url"
            />
          </div>
          <details className="rounded-lg bg-slate-50 p-3">
            <summary className="cursor-pointer text-sm font-medium text-slate-700">Manual settings</summary>
            <div className="mt-2">
              <ManualSettings address={e.address} s={e.settings} />
              <p className="mt-2 text-xs text-slate-500">
                The password is issued when the link is opened on the phone.
              </p>
            </div>
          </details>
          <button
            type="button"
            onClick={() => setE(null)}
            className="text-sm font-medium text-brand-600 hover:underline"
          >
            Add another phone
          </button>
        </div>
      </div>
    );
  return (
    <ActionForm
      slug={props.slug}
      action={addDeviceAction}
      submitLabel="Create setup QR code"
      pendingLabel="Creating…"
      onSuccess={(d) => setE(d)}
      className="flex flex-col gap-4 sm:max-w-md"
    >
      <input type="hidden" name="mailboxId" value={props.mailboxId} />
      <Field
        name="name"
        label="Phone name"
        required
        placeholder="Ana's iPhone"
        hint="So you can tell the phones apart later."
      />
    </ActionForm>
  );
}

export function RevokeButton(props: { slug: string; id: string; name: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex flex-col items-end">
      <button
        type="button"
        disabled={pending}
        onClick={() => {
          if (!confirm(`Revoke “${props.name}”? Its password stops working and it is signed out at once.`)) return;
          start(async () => {
            const r = await revokeDeviceAction(props.slug, { id: props.id });
            if (!r.ok) setError(r.error);
            else window.location.reload();
          });
        }}
        className="rounded-lg border border-red-200 bg-white px-3 py-1 text-xs font-semibold text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-600 disabled:opacity-60"
      >
        {pending ? "Revoking…" : "Revoke"}
      </button>
      {error && (
        <span role="alert" className="mt-1 text-xs text-red-700">
          {error}
        </span>
      )}
    </span>
  );
}

"use client";
// Add or edit a mail system. Secrets are write-only: the field is always
// empty, and leaving it empty keeps what is stored. "Test connection" sends
// what is on the form (plus a mailbox login used for the test only).
import { useRef, useState, useTransition } from "react";
import { addBackendAction, testBackendAction, updateBackendAction } from "@/app/t/[slug]/backends/actions";
import type { TestReport } from "@/lib/server/connection-test/report";
import { ActionForm, formValues } from "./action-form.tsx";
import { Checkbox, Field, Select, TextArea } from "./field.tsx";
import { TestReports } from "./test-report.tsx";

export interface BackendValues {
  id?: string;
  kind: "imap" | "pop3" | "graph" | "ews" | "hosted";
  name?: string | null;
  host?: string | null;
  port?: number | null;
  security?: string | null;
  tlsCa?: string | null;
  tlsInsecure?: boolean;
  pollIntervalSeconds?: number | null;
  pop3LeaveOnServer?: boolean;
  smtpHost?: string | null;
  smtpPort?: number | null;
  smtpSecurity?: string | null;
  smtpUser?: string | null;
  relaySavesSent?: boolean;
  maxMessageMb?: number | null;
  graphTenantId?: string | null;
  graphClientId?: string | null;
  graphAuthority?: string | null;
  graphApiBase?: string | null;
  ewsUrl?: string | null;
  hasSecret?: boolean;
}

const SECURITY = [
  { value: "tls", label: "TLS (implicit, recommended)" },
  { value: "starttls", label: "STARTTLS" },
  { value: "none", label: "None (unencrypted — avoid)" },
];

function Fieldset(props: { legend: string; hint?: string; children: React.ReactNode }) {
  return (
    <fieldset className="space-y-4 rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-ink">{props.legend}</legend>
      {props.hint && <p className="-mt-2 text-xs text-slate-500">{props.hint}</p>}
      {props.children}
    </fieldset>
  );
}

export function BackendForm(props: {
  slug: string;
  values: BackendValues;
  authorityDefault: string;
  graphDefault: string;
}) {
  const v = props.values;
  const editing = Boolean(v.id);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [reports, setReports] = useState<TestReport[] | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  const [testing, startTest] = useTransition();
  const mailstore = v.kind === "imap" || v.kind === "pop3";
  const relay = mailstore || v.kind === "hosted";

  function test() {
    const form = wrapRef.current?.querySelector("form");
    if (!form) return;
    const values = { ...formValues(form), kind: v.kind, backendId: v.id ?? "" };
    setTestError(null);
    startTest(async () => {
      const r = await testBackendAction(props.slug, values);
      if (r.ok) setReports(r.data);
      else {
        setReports(null);
        setTestError(r.error + (r.fieldErrors ? ` ${Object.values(r.fieldErrors).join(" ")}` : ""));
      }
    });
  }

  const secretHint = v.hasSecret ? "A secret is stored. Leave empty to keep it." : undefined;
  return (
    <div ref={wrapRef} className="space-y-6">
      <ActionForm
        slug={props.slug}
        action={editing ? updateBackendAction : addBackendAction}
        submitLabel={editing ? "Save changes" : "Add mail system"}
        pendingLabel="Saving…"
        successMessage={editing ? "Saved." : undefined}
        redirectTo={editing ? undefined : (d: { id: string }) => `/t/${props.slug}/backends/${d.id}?added=1`}
        secondary={
          v.kind !== "hosted" ? (
            <button
              type="button"
              onClick={test}
              disabled={testing}
              className="inline-flex items-center rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-700 shadow-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600 disabled:opacity-60"
            >
              {testing ? "Testing…" : "Test connection"}
            </button>
          ) : null
        }
      >
        {editing && <input type="hidden" name="id" value={v.id} />}
        <input type="hidden" name="kind" value={v.kind} />
        <Field
          name="name"
          label="Name"
          defaultValue={v.name}
          placeholder="Head office mail"
          hint="How this mail system appears in Postern."
        />
        {mailstore && (
          <Fieldset
            legend={v.kind === "imap" ? "IMAP server" : "POP3 server"}
            hint={
              v.kind === "pop3"
                ? "POP3 has one folder and no flags: read/unread, flags and folders are kept by Postern, shared by every phone of a mailbox, and never seen by the POP3 server. Deleting on a phone deletes from the server."
                : undefined
            }
          >
            <div className="grid gap-4 sm:grid-cols-3">
              <Field
                className="sm:col-span-2"
                name="host"
                label="Host"
                defaultValue={v.host}
                required
                placeholder="mail.example.com"
              />
              <Field
                name="port"
                label="Port"
                defaultValue={v.port}
                inputMode="numeric"
                placeholder={v.kind === "imap" ? "993" : "995"}
              />
            </div>
            <Select name="security" label="Security" options={SECURITY} defaultValue={v.security ?? "tls"} />
            <TextArea
              name="tlsCa"
              label="Trusted CA certificate (PEM)"
              defaultValue={v.tlsCa}
              mono
              rows={3}
              placeholder="-----BEGIN CERTIFICATE-----"
              hint="Only for servers whose certificate comes from a private CA. Public certificates need nothing here."
            />
            <Checkbox
              name="tlsInsecure"
              label="Skip certificate checks"
              hint="Unsafe: anyone between Postern and the server could read the mail."
              defaultChecked={v.tlsInsecure}
            />
            <Field
              name="pollIntervalSeconds"
              label="Check every (seconds)"
              defaultValue={v.pollIntervalSeconds}
              inputMode="numeric"
              placeholder="60"
              hint="How often folders without push are checked."
            />
            {v.kind === "pop3" && (
              <Checkbox
                name="pop3LeaveOnServer"
                label="Leave filed mail on the server"
                hint="A message filed to a folder stays on the POP3 server, hidden from INBOX. Unchecked: Postern keeps it and deletes it from the server."
                defaultChecked={v.pop3LeaveOnServer ?? true}
              />
            )}
          </Fieldset>
        )}
        {v.kind === "graph" && (
          <Fieldset
            legend="Microsoft 365 (Exchange Online)"
            hint="An app registration in Entra with the Mail.ReadWrite and Mail.Send application permissions."
          >
            <Field name="graphClientId" label="Application (client) id" defaultValue={v.graphClientId} required />
            <Field name="secret" label="Client secret" type="password" autoComplete="new-password" hint={secretHint} />
            <Field
              name="graphTenantId"
              label="Directory (tenant) id"
              defaultValue={v.graphTenantId}
              hint="Filled in by “Connect Microsoft 365”; or enter it yourself."
            />
            <details className="rounded-lg bg-slate-50 p-3">
              <summary className="cursor-pointer text-sm font-medium text-slate-700">National clouds</summary>
              <div className="mt-3 space-y-4">
                <Field
                  name="graphAuthority"
                  label="Authority URL"
                  defaultValue={v.graphAuthority}
                  placeholder={props.authorityDefault}
                />
                <Field
                  name="graphApiBase"
                  label="Graph base URL"
                  defaultValue={v.graphApiBase}
                  placeholder={props.graphDefault}
                />
              </div>
            </details>
          </Fieldset>
        )}
        {v.kind === "ews" && (
          <Fieldset legend="Exchange Server (EWS)">
            <Field
              name="ewsUrl"
              label="EWS URL"
              defaultValue={v.ewsUrl}
              required
              placeholder="https://mail.example.com/EWS/Exchange.asmx"
            />
          </Fieldset>
        )}
        {relay && (
          <Fieldset
            legend="Outgoing mail (SMTP relay)"
            hint="Where mail sent from phones goes out. Leave the host empty to set it up later."
          >
            <div className="grid gap-4 sm:grid-cols-3">
              <Field
                className="sm:col-span-2"
                name="smtpHost"
                label="Relay host"
                defaultValue={v.smtpHost}
                placeholder="smtp.example.com"
              />
              <Field name="smtpPort" label="Port" defaultValue={v.smtpPort} inputMode="numeric" placeholder="587" />
            </div>
            <Select
              name="smtpSecurity"
              label="Security"
              options={SECURITY}
              defaultValue={v.smtpSecurity ?? "starttls"}
            />
            <Field
              name="smtpUser"
              label="Relay login"
              defaultValue={v.smtpUser}
              hint="Leave empty to send with each mailbox's own login."
            />
            <Field name="secret" label="Relay password" type="password" autoComplete="new-password" hint={secretHint} />
            {v.kind === "imap" && (
              <Checkbox
                name="relaySavesSent"
                label="The relay files sent mail in Sent by itself"
                hint="As Gmail and Exchange do. Checked: Postern does not upload a copy to Sent, so it is not there twice."
                defaultChecked={v.relaySavesSent}
              />
            )}
            <Field
              name="maxMessageMb"
              label="Largest message (MB)"
              defaultValue={v.maxMessageMb}
              inputMode="numeric"
              placeholder="25"
              hint="Phones are told this limit; set it to what the relay accepts, if that is less than 25 MB."
            />
          </Fieldset>
        )}
        {editing && v.hasSecret && <Checkbox name="clearSecret" label="Remove the stored secret" />}
        {(mailstore || v.kind === "ews") && (
          <Fieldset legend="Test with a mailbox" hint="Used only for “Test connection”, never stored.">
            <div className="grid gap-4 sm:grid-cols-2">
              <Field name="testLogin" label="Mailbox login" autoComplete="off" placeholder="ana@example.com" />
              <Field name="testPassword" label="Mailbox password" type="password" autoComplete="new-password" />
            </div>
          </Fieldset>
        )}
      </ActionForm>
      {testError && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {testError}
        </p>
      )}
      {reports && <TestReports reports={reports} />}
    </div>
  );
}

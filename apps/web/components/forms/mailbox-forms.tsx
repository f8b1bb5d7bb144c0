"use client";
// Mailbox forms: add one, import many, change login or password (write-only).
import { useState } from "react";
import {
  addMailboxAction,
  importM365MailboxesAction,
  importMailboxesAction,
  updateMailboxAction,
} from "@/app/t/[slug]/mailboxes/actions";
import { ActionForm } from "./action-form.tsx";
import { Field, Select, TextArea } from "./field.tsx";

type Backend = { id: string; name: string; kind: string };

export function AddMailboxForm(props: { slug: string; backends: Backend[]; backendId?: string }) {
  return (
    <ActionForm
      slug={props.slug}
      action={addMailboxAction}
      submitLabel="Add mailbox"
      pendingLabel="Adding…"
      redirectTo={(d: { id: string }) => `/t/${props.slug}/mailboxes/${d.id}?added=1`}
    >
      <Field
        name="address"
        label="Email address"
        type="email"
        required
        placeholder="ana@acme.example"
        hint="What people send mail to. Phones sign in with it."
      />
      <Select
        name="backendId"
        label="Mail system"
        required
        defaultValue={props.backendId ?? props.backends[0]?.id}
        options={props.backends.map((b) => ({ value: b.id, label: `${b.name} (${b.kind})` }))}
      />
      <Field name="displayName" label="Name" placeholder="Ana Silva" hint="Shown as the sender on phones." />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          name="login"
          label="Login at the mail system"
          autoComplete="off"
          hint="Leave empty when it is the address."
        />
        <Field
          name="password"
          label="Password at the mail system"
          type="password"
          autoComplete="new-password"
          hint="Stored encrypted; never shown again."
        />
      </div>
    </ActionForm>
  );
}

type ImportRow = { line: number; address: string; ok: boolean; message: string; outcome?: string };

export function ImportForm(props: { slug: string; backends: Backend[] }) {
  const [results, setResults] = useState<ImportRow[] | null>(null);
  const [csv, setCsv] = useState("");
  return (
    <div className="space-y-6">
      <ActionForm
        slug={props.slug}
        action={importMailboxesAction}
        submitLabel="Import"
        pendingLabel="Importing…"
        onSuccess={(d) => setResults(d)}
      >
        <Select
          name="backendId"
          label="Mail system"
          options={props.backends.map((b) => ({ value: b.id, label: `${b.name} (${b.kind})` }))}
        />
        <div>
          <label htmlFor="csv-file" className="block text-sm font-medium text-slate-800">
            CSV file
          </label>
          <input
            id="csv-file"
            type="file"
            accept=".csv,text/csv,text/plain"
            className="mt-1 block w-full text-sm text-slate-600 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700"
            onChange={async (e) => setCsv((await e.target.files?.[0]?.text()) ?? "")}
          />
        </div>
        <TextArea
          key={csv.length}
          name="csv"
          label="…or paste the rows"
          mono
          rows={8}
          defaultValue={csv}
          placeholder={"address,login,password,name\nana@acme.example,ana,secret,Ana Silva"}
          hint="Columns: address, login, password, name. A header row is optional; login and name may be empty."
        />
      </ActionForm>
      {results && <ImportResults results={results} lineLabel="Line" noun="row" />}
    </div>
  );
}

/** Microsoft 365: every user of the directory with a mail address becomes a mailbox. */
export function M365ImportForm(props: { slug: string; backends: Backend[] }) {
  const [results, setResults] = useState<ImportRow[] | null>(null);
  const skipped = results?.filter((r) => r.outcome === "skipped").length ?? 0;
  const exists = results?.filter((r) => r.outcome === "exists").length ?? 0;
  return (
    <div className="space-y-6">
      <ActionForm
        slug={props.slug}
        action={importM365MailboxesAction}
        submitLabel="Import from Microsoft 365"
        pendingLabel="Importing…"
        onSuccess={(d) => setResults(d)}
      >
        {props.backends.length === 1 ? (
          <input type="hidden" name="backendId" value={props.backends[0].id} />
        ) : (
          <Select
            name="backendId"
            label="Microsoft 365 mail system"
            options={props.backends.map((b) => ({ value: b.id, label: b.name }))}
          />
        )}
      </ActionForm>
      {results && (
        <ImportResults
          results={results}
          lineLabel="#"
          noun="user"
          extra={`${exists} already existed; ${skipped} skipped (no mailbox).`}
        />
      )}
    </div>
  );
}

function ImportResults(props: { results: ImportRow[]; lineLabel: string; noun: string; extra?: string }) {
  const { results } = props;
  const added = results.filter((r) => r.ok).length;
  return (
    <section aria-label="Import results">
      <p role="status" className="mb-3 text-sm font-medium text-ink">
        {added} of {results.length} {props.noun}
        {results.length === 1 ? "" : "s"} added.{props.extra ? ` ${props.extra}` : ""}
      </p>
      <div className="overflow-x-auto rounded-xl border border-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Result per {props.noun}</caption>
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2">
                {props.lineLabel}
              </th>
              <th scope="col" className="px-4 py-2">
                Address
              </th>
              <th scope="col" className="px-4 py-2">
                Result
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {results.map((r) => (
              <tr key={r.line}>
                <td className="px-4 py-2 text-slate-500">{r.line}</td>
                <td className="px-4 py-2 font-mono text-xs">{r.address || "—"}</td>
                <td
                  className={`px-4 py-2 ${r.ok ? "text-emerald-700" : r.outcome === "error" || !r.outcome ? "text-red-700" : "text-slate-600"}`}
                >
                  {r.ok ? "✓ added" : r.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function EditMailboxForm(props: {
  slug: string;
  id: string;
  displayName: string | null;
  login: string | null;
  hasPassword: boolean;
  hosted: boolean;
}) {
  return (
    <ActionForm
      slug={props.slug}
      action={updateMailboxAction}
      submitLabel="Save"
      resetOnSuccess={false}
      successMessage="Saved. The gateway reconnects with the new settings."
    >
      <input type="hidden" name="id" value={props.id} />
      <Field name="displayName" label="Name" defaultValue={props.displayName} />
      {!props.hosted && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field name="login" label="Login at the mail system" defaultValue={props.login} autoComplete="off" />
          <Field
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={props.hasPassword ? "A password is stored. Leave empty to keep it." : "No password stored yet."}
          />
        </div>
      )}
    </ActionForm>
  );
}

import { tenantOverview } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Alert, buttonClass, Card, PageHeader, Stat } from "@/components/ui";
import { EVERYONE, requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Overview" };

function Step(props: {
  done: boolean;
  n: number;
  title: string;
  children: React.ReactNode;
  href: string;
  cta: string;
}) {
  return (
    <li className="flex gap-4 py-4 first:pt-0 last:pb-0">
      <span
        aria-hidden
        className={`flex h-8 w-8 shrink-0 items-center justify-center rounded-full text-sm font-bold ${props.done ? "bg-emerald-100 text-emerald-700" : "bg-brand-50 text-brand-700"}`}
      >
        {props.done ? "✓" : props.n}
      </span>
      <div className="min-w-0 flex-1">
        <p className="font-medium text-ink">
          {props.title} {props.done && <span className="sr-only">(done)</span>}
        </p>
        <p className="text-sm text-slate-600">{props.children}</p>
      </div>
      {!props.done && (
        <Link href={props.href} className={`${buttonClass.secondary} self-center`}>
          {props.cta}
        </Link>
      )}
    </li>
  );
}

export default async function Overview(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ welcome?: string }>;
}) {
  const { slug } = await props.params;
  const access = await requireTenant(slug, EVERYONE);
  if (access.role === "user") redirect(`/t/${slug}/my`);
  const o = await tenantOverview(access.ctx, access.tenant.id);
  const { welcome } = await props.searchParams;
  const base = `/t/${slug}`;
  const gettingStarted = o.backends === 0 || o.mailboxes === 0 || o.devices === 0;
  return (
    <>
      <PageHeader title={access.tenant.name} description="Your business mail, on every phone." />
      {welcome && (
        <div className="mb-6">
          <Alert tone="good" title="Welcome to Postern">
            Your workspace is ready. Three steps put the first phone on the air.
          </Alert>
        </div>
      )}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Mail systems" value={o.backends} href={`${base}/backends`} />
        <Stat label="Mailboxes" value={o.mailboxes.toLocaleString("en")} href={`${base}/mailboxes`} />
        <Stat label="Active phones" value={o.devices.toLocaleString("en")} href={`${base}/devices`} />
        <Stat label="Team members" value={o.members} href={`${base}/team`} />
      </div>
      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        {gettingStarted && (
          <Card title="Getting started">
            <ol className="divide-y divide-slate-100">
              <Step n={1} done={o.backends > 0} title="Link your mail system" href={`${base}/backends/new`} cta="Link">
                IMAP, POP3, Microsoft 365 or Exchange — test the connection as you go.
              </Step>
              <Step n={2} done={o.mailboxes > 0} title="Add mailboxes" href={`${base}/mailboxes/new`} cta="Add">
                One at a time, or many from a CSV file.
              </Step>
              <Step n={3} done={o.devices > 0} title="Put a phone on the air" href={`${base}/mailboxes`} cta="Open">
                Open a mailbox, add a device and scan the QR code with the phone.
              </Step>
            </ol>
          </Card>
        )}
        <Card title="Needs attention" description="Mailboxes whose sync with their mail system has a problem.">
          {o.attention.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing needs attention. Every mailbox is syncing.</p>
          ) : (
            <ul className="space-y-3">
              {o.attention.map((m) => (
                <li key={m.id}>
                  <Link href={`${base}/mailboxes/${m.id}`} className="font-medium text-brand-700 hover:underline">
                    {m.address}
                  </Link>
                  <p className="text-sm text-red-700">{m.lastError ?? "Sync failed."}</p>
                </li>
              ))}
              {o.attentionTotal > o.attention.length && (
                <li className="text-sm text-slate-600">and {o.attentionTotal - o.attention.length} more</li>
              )}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

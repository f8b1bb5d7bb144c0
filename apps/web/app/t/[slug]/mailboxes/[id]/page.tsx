import { mailboxDetail } from "@postern/db/provisioning";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AddDeviceForm } from "@/components/forms/device-forms";
import { EditMailboxForm } from "@/components/forms/mailbox-forms";
import { Alert, Card, PageHeader, Stat } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { DeviceTable } from "../../devices/device-table.tsx";
import { errorAdvice, lastSync, ProgressLine, SyncBadge } from "../status.tsx";

export const metadata: Metadata = { title: "Mailbox" };

export default async function MailboxPage(props: {
  params: Promise<{ slug: string; id: string }>;
  searchParams: Promise<{ added?: string }>;
}) {
  const { slug, id } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const m = await mailboxDetail(ctx, { tenantId: tenant.id, id }).catch(() => notFound());
  const { added } = await props.searchParams;
  const hosted = m.backend.kind === "hosted";
  const problem = m.syncState === "error" || m.syncState === "needs_attention";
  return (
    <>
      <PageHeader
        title={m.address}
        back={{ href: `/t/${slug}/mailboxes`, label: "Mailboxes" }}
        description={`${m.displayName ? `${m.displayName} · ` : ""}on ${m.backend.name}`}
      />
      <div className="space-y-6">
        {added && (
          <Alert tone="good">
            Mailbox added{hosted ? "" : "; Postern is syncing it with its mail system"}. Add a phone below.
          </Alert>
        )}
        {problem && (
          <Alert tone="bad" title={m.syncState === "needs_attention" ? "This mailbox needs attention" : "Sync problem"}>
            <p>{m.lastError ?? "The last sync failed."}</p>
            {errorAdvice(m.lastError) && <p className="mt-1">{errorAdvice(m.lastError)}</p>}
          </Alert>
        )}
        <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
          <Stat label="Status" value={<SyncBadge kind={m.backend.kind} state={m.syncState} progress={m.progress} />} />
          <Stat label="Last sync" value={hosted ? "—" : lastSync(m.lastSyncAt)} />
          <Stat label="Messages" value={m.messages.toLocaleString("en")} />
          <Stat label="Folders" value={m.folders} />
        </div>
        {m.syncState === "syncing" && m.progress.total ? (
          <Card title="Initial sync">
            <ProgressLine progress={m.progress} />
          </Card>
        ) : null}
        <Card
          title="Add a phone"
          description="A QR code the phone scans to set up its mail app, with its own password."
        >
          <AddDeviceForm slug={slug} mailboxId={m.id} />
        </Card>
        <Card title="Phones" description="Each phone has its own app password; revoking one signs it out at once.">
          <DeviceTable
            slug={slug}
            rows={m.devices.map((d) => ({ ...d, mailbox: { id: m.id, address: m.address } }))}
            showMailbox={false}
            admin
          />
        </Card>
        <Card title="Settings" description="The password is write-only: it is stored encrypted and never shown.">
          <EditMailboxForm
            slug={slug}
            id={m.id}
            displayName={m.displayName}
            login={m.login}
            hasPassword={m.hasPassword}
            hosted={hosted}
          />
        </Card>
      </div>
    </>
  );
}

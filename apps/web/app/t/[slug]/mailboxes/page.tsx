import { mailboxPage } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { buttonClass, EmptyState, PageHeader, Pagination, SearchBox, Table, td, wide } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { lastSync, ProgressLine, SyncBadge } from "./status.tsx";

export const metadata: Metadata = { title: "Mailboxes" };

export default async function MailboxesPage(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ page?: string; q?: string }>;
}) {
  const { slug } = await props.params;
  const sp = await props.searchParams;
  const { ctx, tenant } = await requireTenant(slug);
  const q = sp.q?.slice(0, 100);
  const r = await mailboxPage(ctx, { tenantId: tenant.id, page: Number(sp.page) || 1, q });
  const base = `/t/${slug}/mailboxes`;
  const actions = (
    <>
      <Link href={`${base}/import`} className={buttonClass.secondary}>
        Import CSV
      </Link>
      <Link href={`${base}/new`} className={buttonClass.primary}>
        Add mailbox
      </Link>
    </>
  );
  return (
    <>
      <PageHeader
        title="Mailboxes"
        description="Each mailbox is synced with its mail system; phones sign in with its address."
        actions={actions}
      />
      {r.total === 0 && !q ? (
        <EmptyState
          title="No mailboxes yet"
          action={
            <Link href={`${base}/new`} className={buttonClass.primary}>
              Add the first mailbox
            </Link>
          }
        >
          Add a mailbox for each person whose mail should reach a phone — one by one, or many at once from a CSV file.
        </EmptyState>
      ) : (
        <>
          <SearchBox action={base} q={q} label="Search mailboxes" placeholder="Search by address" />
          {r.rows.length === 0 ? (
            <p className="text-sm text-slate-600">No mailbox matches “{q}”.</p>
          ) : (
            <Table
              caption="Mailboxes"
              head={[
                "Address",
                "Status",
                { label: "Last sync", wide: true },
                { label: "Messages", wide: true },
                { label: "Folders", wide: true },
                { label: "Phones", wide: true },
              ]}
            >
              {r.rows.map((m) => (
                <tr key={m.id} className="hover:bg-slate-50">
                  <td className={td}>
                    <Link href={`${base}/${m.id}`} className="font-medium text-brand-700 hover:underline">
                      {m.address}
                    </Link>
                    <div className="text-xs text-slate-500">
                      {m.displayName ? `${m.displayName} · ` : ""}
                      {m.backend.name}
                    </div>
                  </td>
                  <td className={td}>
                    <SyncBadge kind={m.backend.kind} state={m.syncState} progress={m.progress} />
                    {m.syncState === "syncing" && <ProgressLine progress={m.progress} />}
                    {m.lastError && (m.syncState === "error" || m.syncState === "needs_attention") && (
                      <p className="mt-1 max-w-xs text-xs text-red-700">{m.lastError}</p>
                    )}
                  </td>
                  <td className={`${td} ${wide} whitespace-nowrap`}>
                    {m.backend.kind === "hosted" ? "—" : lastSync(m.lastSyncAt)}
                  </td>
                  <td className={`${td} ${wide}`}>{m.messages.toLocaleString("en")}</td>
                  <td className={`${td} ${wide}`}>{m.folders}</td>
                  <td className={`${td} ${wide}`}>{m.activeDevices}</td>
                </tr>
              ))}
            </Table>
          )}
          <Pagination
            page={r.page}
            pageSize={r.pageSize}
            total={r.total}
            href={(p) => `${base}?page=${p}${q ? `&q=${encodeURIComponent(q)}` : ""}`}
          />
        </>
      )}
    </>
  );
}

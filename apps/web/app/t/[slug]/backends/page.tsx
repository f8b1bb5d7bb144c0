import { listBackends } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { Badge, buttonClass, EmptyState, PageHeader, Table, td, wide } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { KIND_LABELS } from "./labels.ts";

export const metadata: Metadata = { title: "Mail systems" };

export default async function BackendsPage(props: { params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  const backends = await listBackends(ctx, tenant.id);
  const add = (
    <Link href={`/t/${slug}/backends/new`} className={buttonClass.primary}>
      Link a mail system
    </Link>
  );
  return (
    <>
      <PageHeader
        title="Mail systems"
        description="The mail servers your mailboxes live on. Postern syncs them with phones."
        actions={backends.length ? add : null}
      />
      {backends.length === 0 ? (
        <EmptyState title="Link your mail system" icon="plug" action={add}>
          Tell Postern where your business's mail lives — an IMAP or POP3 server, Microsoft 365 or Exchange — and test
          the connection before adding mailboxes.
        </EmptyState>
      ) : (
        <Table
          caption="Mail systems"
          head={["Name", "Kind", { label: "Server", wide: true }, "Mailboxes", { label: "Outgoing", wide: true }]}
        >
          {backends.map((b) => (
            <tr key={b.id} className="hover:bg-slate-50">
              <td className={td}>
                <Link href={`/t/${slug}/backends/${b.id}`} className="font-medium text-brand-700 hover:underline">
                  {b.name}
                </Link>
              </td>
              <td className={td}>{KIND_LABELS[b.kind]?.label ?? b.kind}</td>
              <td className={`${td} ${wide} font-mono text-xs`}>
                {b.host
                  ? `${b.host}:${b.port}`
                  : b.kind === "graph"
                    ? b.graphTenantId
                      ? "connected"
                      : "not connected"
                    : (b.ewsUrl ?? "—")}
              </td>
              <td className={td}>{b._count.mailboxes}</td>
              <td className={`${td} ${wide}`}>
                {b.smtpHost ? <Badge tone="good">relay {b.smtpHost}</Badge> : <Badge>not set</Badge>}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}

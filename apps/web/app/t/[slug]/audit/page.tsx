import { auditDetails, auditPage } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { buttonClass, dateTime, EmptyState, PageHeader, Table, td, wide } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Audit log" };

function who(actor: string, names: Map<string, string>): string {
  if (actor.startsWith("user:")) return names.get(actor.slice(5)) ?? "a former member";
  if (actor === "cli") return "admin CLI";
  return actor;
}

export default async function AuditPage(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const { slug } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  const { before } = await props.searchParams;
  const r = await auditPage(ctx, {
    tenantId: tenant.id,
    before: before && /^\d{1,19}$/.test(before) ? BigInt(before) : undefined,
  });
  const userIds = [...new Set(r.rows.filter((e) => e.actor.startsWith("user:")).map((e) => e.actor.slice(5)))];
  const users = await ctx.prisma.user.findMany({
    where: { id: { in: userIds }, memberships: { some: { tenantId: tenant.id } } },
    select: { id: true, email: true },
  });
  const names = new Map(users.map((u) => [u.id, u.email]));
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made in this workspace, by whom and when, newest first."
      />
      {r.rows.length === 0 ? (
        <EmptyState title="Nothing recorded yet" icon="list" />
      ) : (
        <>
          <Table caption="Audit log" head={["When", "Who", "What", { label: "Target", wide: true }, "Details"]}>
            {r.rows.map((e) => (
              <tr key={String(e.id)}>
                <td className={`${td} whitespace-nowrap text-xs`}>{dateTime(e.createdAt)}</td>
                <td className={`${td} text-xs`}>
                  {who(e.actor, names)}
                  {e.ip && <div className="text-slate-400">{e.ip}</div>}
                </td>
                <td className={`${td} font-mono text-xs`}>{e.action}</td>
                <td className={`${td} ${wide} max-w-48 truncate font-mono text-xs`} title={e.target ?? undefined}>
                  {e.target ?? "—"}
                </td>
                <td className={`${td} max-w-md text-xs text-slate-500`}>{auditDetails(e.data)}</td>
              </tr>
            ))}
          </Table>
          <div className="mt-4 flex justify-end gap-2">
            {before && (
              <Link className={buttonClass.secondary} href={`/t/${slug}/audit`}>
                Newest
              </Link>
            )}
            {r.next && (
              <Link className={buttonClass.secondary} href={`/t/${slug}/audit?before=${r.next}`} rel="next">
                Older
              </Link>
            )}
          </div>
        </>
      )}
    </>
  );
}

import { listTeam } from "@postern/db/provisioning";
import type { Metadata } from "next";
import { InviteForm, RevokeInvitation } from "@/components/forms/team-forms";
import { Badge, Card, PageHeader, Table, td, timeAgo } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Team" };

const ROLE = { owner: "Owner", admin: "Admin", user: "Phone holder" } as const;

export default async function TeamPage(props: { params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const access = await requireTenant(slug);
  const { ctx, tenant } = access;
  const [{ members, invitations }, mailboxes] = await Promise.all([
    listTeam(ctx, tenant.id),
    ctx.prisma.mailbox.findMany({
      where: { tenantId: tenant.id },
      select: { id: true, address: true },
      orderBy: { address: "asc" },
      take: 200,
    }),
  ]);
  const addressOf = new Map(mailboxes.map((m) => [m.id, m.address]));
  return (
    <>
      <PageHeader title="Team" description="People who can sign in to this workspace." />
      <div className="grid gap-6 lg:grid-cols-[1fr_24rem]">
        <div className="space-y-6">
          <Table caption="Members" head={["Person", "Role", "Since"]}>
            {members.map((m) => (
              <tr key={m.userId}>
                <td className={td}>
                  <div className="font-medium text-ink">{m.user.name ?? m.user.email}</div>
                  {m.user.name && <div className="text-xs text-slate-500">{m.user.email}</div>}
                </td>
                <td className={td}>
                  <Badge tone={m.role === "owner" ? "info" : "neutral"}>{ROLE[m.role]}</Badge>
                  {m.mailboxId && (
                    <div className="mt-1 text-xs text-slate-500">{addressOf.get(m.mailboxId) ?? "a mailbox"}</div>
                  )}
                </td>
                <td className={td}>{timeAgo(m.createdAt)}</td>
              </tr>
            ))}
          </Table>
          {invitations.length > 0 && (
            <Card title="Pending invitations">
              <ul className="divide-y divide-slate-100">
                {invitations.map((i) => (
                  <li key={i.id} className="flex items-center justify-between gap-4 py-2 text-sm">
                    <span>
                      {i.email}{" "}
                      <span className="text-slate-500">
                        · {ROLE[i.role]} · expires {i.expiresAt.toISOString().slice(0, 10)}
                      </span>
                    </span>
                    <RevokeInvitation slug={slug} id={i.id} />
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </div>
        <Card
          title="Invite someone"
          description={
            access.role === "owner"
              ? "Admins manage everything but billing and the owner."
              : "Only the owner can invite admins."
          }
        >
          <InviteForm slug={slug} canInviteAdmins={access.role === "owner"} mailboxes={mailboxes} />
        </Card>
      </div>
    </>
  );
}

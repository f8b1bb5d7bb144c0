import type { Metadata } from "next";
import Link from "next/link";
import { ImportForm, M365ImportForm } from "@/components/forms/mailbox-forms";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui";
import { importableGraphBackends } from "@/lib/server/m365-users";
import { requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Import mailboxes" };

export default async function ImportPage(props: { params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const access = await requireTenant(slug);
  const { ctx, tenant } = access;
  const [backends, m365] = await Promise.all([
    ctx.prisma.backend.findMany({
      where: { tenantId: tenant.id },
      select: { id: true, name: true, kind: true },
      orderBy: { createdAt: "asc" },
    }),
    importableGraphBackends(access),
  ]);
  return (
    <>
      <PageHeader
        title="Import mailboxes"
        back={{ href: `/t/${slug}/mailboxes`, label: "Mailboxes" }}
        description="Add many mailboxes at once from a CSV file. Each row is added on its own; the result shows what happened to every row."
      />
      {backends.length === 0 ? (
        <EmptyState
          title="Link a mail system first"
          icon="plug"
          action={
            <Link href={`/t/${slug}/backends/new`} className={buttonClass.primary}>
              Link a mail system
            </Link>
          }
        />
      ) : (
        <div className="space-y-6">
          {m365.length > 0 && (
            <Card
              title="Import from Microsoft 365"
              description="Adds a mailbox for every user of your Microsoft 365 directory who has a mail address, with their name and sign-in name. Users without a mailbox are skipped; mailboxes already here are left as they are. Needs the User.Read.All application permission."
            >
              <M365ImportForm slug={slug} backends={m365} />
            </Card>
          )}
          <Card title={m365.length > 0 ? "Import from a CSV file" : undefined}>
            <ImportForm slug={slug} backends={backends} />
          </Card>
        </div>
      )}
    </>
  );
}

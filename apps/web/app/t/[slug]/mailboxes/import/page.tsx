import type { Metadata } from "next";
import Link from "next/link";
import { ImportForm } from "@/components/forms/mailbox-forms";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Import mailboxes" };

export default async function ImportPage(props: { params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  const backends = await ctx.prisma.backend.findMany({
    where: { tenantId: tenant.id },
    select: { id: true, name: true, kind: true },
    orderBy: { createdAt: "asc" },
  });
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
        <Card>
          <ImportForm slug={slug} backends={backends} />
        </Card>
      )}
    </>
  );
}

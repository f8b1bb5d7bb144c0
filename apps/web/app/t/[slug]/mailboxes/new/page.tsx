import type { Metadata } from "next";
import Link from "next/link";
import { AddMailboxForm } from "@/components/forms/mailbox-forms";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";

export const metadata: Metadata = { title: "Add a mailbox" };

export default async function NewMailboxPage(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ backend?: string }>;
}) {
  const { slug } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  const { backend } = await props.searchParams;
  const backends = await ctx.prisma.backend.findMany({
    where: { tenantId: tenant.id },
    select: { id: true, name: true, kind: true },
    orderBy: { createdAt: "asc" },
  });
  return (
    <>
      <PageHeader title="Add a mailbox" back={{ href: `/t/${slug}/mailboxes`, label: "Mailboxes" }} />
      {backends.length === 0 ? (
        <EmptyState
          title="Link a mail system first"
          icon="plug"
          action={
            <Link href={`/t/${slug}/backends/new`} className={buttonClass.primary}>
              Link a mail system
            </Link>
          }
        >
          A mailbox lives on a mail system — your IMAP or POP3 server, Microsoft 365 or Exchange.
        </EmptyState>
      ) : (
        <Card>
          <AddMailboxForm slug={slug} backends={backends} backendId={backends.find((b) => b.id === backend)?.id} />
        </Card>
      )}
    </>
  );
}

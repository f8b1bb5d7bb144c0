// The end user's page (role `user`): their mailbox's phones, and a QR code for a new one.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AddDeviceForm } from "@/components/forms/device-forms";
import { Card, EmptyState, PageHeader } from "@/components/ui";
import { EVERYONE, requireTenant } from "@/lib/server/session";
import { DeviceTable } from "../devices/device-table.tsx";

export const metadata: Metadata = { title: "My phone" };

export default async function MyPhonePage(props: { params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const access = await requireTenant(slug, EVERYONE);
  if (access.role !== "user") redirect(`/t/${slug}`);
  const mailbox = access.mailboxId
    ? await access.ctx.prisma.mailbox.findFirst({
        where: { id: access.mailboxId, tenantId: access.tenant.id },
        select: { id: true, address: true },
      })
    : null;
  if (!mailbox)
    return (
      <EmptyState title="No mailbox yet" icon="inbox">
        Your administrator has not given you a mailbox in {access.tenant.name} yet.
      </EmptyState>
    );
  const devices = await access.ctx.prisma.device.findMany({
    where: { mailboxId: mailbox.id },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
  return (
    <>
      <PageHeader title="My phone" description={`Mail for ${mailbox.address} on your phones.`} />
      <div className="space-y-6">
        <Card title="Add a phone" description="Name it, then scan the QR code with the phone's camera.">
          <AddDeviceForm slug={slug} mailboxId={mailbox.id} />
        </Card>
        <Card title="Your phones">
          <DeviceTable slug={slug} rows={devices.map((d) => ({ ...d, mailbox }))} showMailbox={false} admin={false} />
        </Card>
      </div>
    </>
  );
}

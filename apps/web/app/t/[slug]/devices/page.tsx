import { devicePage } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { buttonClass, EmptyState, PageHeader, Pagination, SearchBox } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { DeviceTable } from "./device-table.tsx";

export const metadata: Metadata = { title: "Devices" };

export default async function DevicesPage(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ page?: string; q?: string }>;
}) {
  const { slug } = await props.params;
  const sp = await props.searchParams;
  const { ctx, tenant } = await requireTenant(slug);
  const q = sp.q?.slice(0, 100);
  const r = await devicePage(ctx, { tenantId: tenant.id, page: Number(sp.page) || 1, q });
  const base = `/t/${slug}/devices`;
  return (
    <>
      <PageHeader title="Devices" description="Every phone with access to a mailbox. Open one for its timeline." />
      {r.total === 0 && !q ? (
        <EmptyState
          title="No phones yet"
          icon="phone"
          action={
            <Link href={`/t/${slug}/mailboxes`} className={buttonClass.primary}>
              Choose a mailbox
            </Link>
          }
        >
          Phones are added from their mailbox's page: name the phone, then scan the QR code with it.
        </EmptyState>
      ) : (
        <>
          <SearchBox action={base} q={q} label="Search phones" placeholder="Search by phone name or address" />
          <DeviceTable slug={slug} rows={r.rows} showMailbox admin />
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

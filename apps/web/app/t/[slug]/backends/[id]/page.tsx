import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BackendForm, type BackendValues } from "@/components/forms/backend-form";
import { Alert, buttonClass, Card, PageHeader } from "@/components/ui";
import { DEFAULT_AUTHORITY, DEFAULT_GRAPH_API } from "@/lib/schemas/backend";
import { requireTenant } from "@/lib/server/session";
import { KIND_LABELS } from "../labels.ts";

export const metadata: Metadata = { title: "Mail system" };

export default async function BackendPage(props: {
  params: Promise<{ slug: string; id: string }>;
  searchParams: Promise<{ m365?: string; added?: string }>;
}) {
  const { slug, id } = await props.params;
  const sp = await props.searchParams;
  const { ctx, tenant } = await requireTenant(slug);
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const b = await ctx.prisma.backend.findFirst({
    where: { id, tenantId: tenant.id },
    include: { _count: { select: { mailboxes: true } } },
    omit: { secretCipher: false },
  });
  if (!b) notFound();
  const o = (b.options ?? {}) as Record<string, unknown>;
  // Only whether a secret is stored crosses to the browser, never the secret.
  const values: BackendValues = {
    id: b.id,
    kind: b.kind,
    name: b.name,
    host: b.host,
    port: b.port,
    security: b.security,
    tlsCa: typeof o.tlsCa === "string" ? o.tlsCa : null,
    tlsInsecure: o.tlsInsecure === true,
    pollIntervalSeconds: typeof o.pollIntervalSeconds === "number" ? o.pollIntervalSeconds : null,
    pop3LeaveOnServer: o.pop3LeaveOnServer !== false,
    relaySavesSent: o.relaySavesSent === true,
    maxMessageMb: typeof o.maxMessageBytes === "number" ? Math.floor(o.maxMessageBytes / (1024 * 1024)) : null,
    smtpHost: b.smtpHost,
    smtpPort: b.smtpPort,
    smtpSecurity: b.smtpSecurity,
    smtpUser: b.smtpUser,
    graphTenantId: b.graphTenantId,
    graphClientId: b.graphClientId,
    graphAuthority: b.graphAuthority,
    graphApiBase: b.graphApiBase,
    ewsUrl: b.ewsUrl,
    hasSecret: Boolean(b.secretCipher),
  };
  return (
    <>
      <PageHeader
        title={b.name}
        back={{ href: `/t/${slug}/backends`, label: "Mail systems" }}
        description={`${KIND_LABELS[b.kind]?.label ?? b.kind} · ${b._count.mailboxes} mailbox${b._count.mailboxes === 1 ? "" : "es"}`}
        actions={
          <Link href={`/t/${slug}/mailboxes/new?backend=${b.id}`} className={buttonClass.primary}>
            Add a mailbox
          </Link>
        }
      />
      <div className="space-y-6">
        {sp.added && <Alert tone="good">Mail system added. Test the connection, then add its mailboxes.</Alert>}
        {sp.m365 &&
          (sp.m365 === "connected" ? (
            <Alert tone="good">Microsoft 365 is connected: admin consent was granted.</Alert>
          ) : (
            <Alert tone="bad">{sp.m365}</Alert>
          ))}
        {b.kind === "graph" && (
          <Card
            title="Connect Microsoft 365"
            description="A Microsoft 365 admin grants Postern access to your organisation's mail (admin consent)."
          >
            <div className="flex flex-wrap items-center gap-3">
              <a href={`/t/${slug}/backends/${b.id}/m365`} className={buttonClass.primary}>
                {b.graphTenantId ? "Connect again" : "Connect Microsoft 365"}
              </a>
              <span className="text-sm text-slate-600">
                {b.graphTenantId ? `Connected to tenant ${b.graphTenantId}.` : "Not connected yet."}
              </span>
            </div>
          </Card>
        )}
        <Card title="Settings">
          <BackendForm
            slug={slug}
            values={values}
            authorityDefault={DEFAULT_AUTHORITY}
            graphDefault={DEFAULT_GRAPH_API}
          />
        </Card>
      </div>
    </>
  );
}

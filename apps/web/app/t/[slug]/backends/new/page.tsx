import type { Metadata } from "next";
import Link from "next/link";
import { BackendForm } from "@/components/forms/backend-form";
import { Icon } from "@/components/icons";
import { Card, focusRing, PageHeader } from "@/components/ui";
import { BACKEND_KINDS, DEFAULT_AUTHORITY, DEFAULT_GRAPH_API } from "@/lib/schemas/backend";
import { requireTenant } from "@/lib/server/session";
import { KIND_LABELS } from "../labels.ts";

export const metadata: Metadata = { title: "Link a mail system" };

export default async function NewBackendPage(props: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ kind?: string }>;
}) {
  const { slug } = await props.params;
  await requireTenant(slug);
  const { kind } = await props.searchParams;
  const chosen = BACKEND_KINDS.find((k) => k === kind);
  return (
    <>
      <PageHeader
        title="Link a mail system"
        back={{ href: `/t/${slug}/backends`, label: "Mail systems" }}
        description="Where does your business's mail live today?"
      />
      <nav aria-label="Kind of mail system" className="mb-6 grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        {BACKEND_KINDS.map((k) => (
          <Link
            key={k}
            href={`/t/${slug}/backends/new?kind=${k}`}
            aria-current={k === chosen ? "page" : undefined}
            className={`rounded-xl border bg-white p-4 shadow-sm hover:border-brand-400 ${focusRing} ${k === chosen ? "border-brand-500 ring-2 ring-brand-500/30" : "border-slate-200"}`}
          >
            <Icon name={KIND_LABELS[k].icon} className="h-6 w-6 text-brand-600" />
            <span className="mt-1 block font-semibold text-ink">{KIND_LABELS[k].label}</span>
            <span className="mt-0.5 block text-xs text-slate-500">{KIND_LABELS[k].blurb}</span>
          </Link>
        ))}
      </nav>
      {chosen ? (
        <Card title={KIND_LABELS[chosen].label}>
          <BackendForm
            key={chosen}
            slug={slug}
            values={{ kind: chosen }}
            authorityDefault={DEFAULT_AUTHORITY}
            graphDefault={DEFAULT_GRAPH_API}
          />
        </Card>
      ) : (
        <p className="text-sm text-slate-600">Choose one above to continue.</p>
      )}
    </>
  );
}

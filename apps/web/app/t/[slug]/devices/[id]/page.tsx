import { deviceTimeline } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RevokeButton } from "@/components/forms/device-forms";
import { Badge, Card, dateTime, PageHeader, Stat, timeAgo } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { PLATFORM } from "../device-table.tsx";

export const metadata: Metadata = { title: "Device timeline" };

const DOT = { info: "bg-sky-500", good: "bg-emerald-500", warn: "bg-amber-500", bad: "bg-red-500" };

export default async function DevicePage(props: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const { device: d, entries } = await deviceTimeline(ctx, { tenantId: tenant.id, id }).catch(() => notFound());
  return (
    <>
      <PageHeader
        title={d.name}
        back={{ href: `/t/${slug}/devices`, label: "Devices" }}
        description={
          <>
            Phone for{" "}
            <Link className="font-medium text-brand-700 hover:underline" href={`/t/${slug}/mailboxes/${d.mailbox.id}`}>
              {d.mailbox.address}
            </Link>
          </>
        }
        actions={
          d.revokedAt ? (
            <Badge>revoked {timeAgo(d.revokedAt)}</Badge>
          ) : (
            <RevokeButton slug={slug} id={d.id} name={d.name} />
          )
        }
      />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Platform" value={PLATFORM[d.platform] ?? d.platform} />
        <Stat label="Added" value={timeAgo(d.createdAt)} />
        <Stat
          label="Last seen"
          value={timeAgo(d.lastSeenAt)}
          hint={d.lastSeenIp ? `from ${d.lastSeenIp}` : undefined}
        />
        <Stat label="Mail app" value={<span className="text-base">{d.lastClient ?? "not seen yet"}</span>} />
      </div>
      <Card
        title="Timeline"
        description="Why isn't this phone syncing? What Postern knows about it, newest first."
        className="mt-6"
      >
        <ol className="relative space-y-5 border-l border-slate-200 pl-6">
          {entries.map((e) => (
            <li key={`${e.at.getTime()}-${e.kind}-${e.title}`}>
              <span
                aria-hidden
                className={`absolute -left-1.5 mt-1.5 h-3 w-3 rounded-full ring-4 ring-white ${DOT[e.tone]}`}
              />
              <p className="text-sm font-medium text-ink">{e.title}</p>
              {e.detail && (
                <p className={`text-sm ${e.tone === "bad" ? "text-red-700" : "text-slate-600"}`}>{e.detail}</p>
              )}
              <p className="text-xs text-slate-400">{dateTime(e.at)}</p>
            </li>
          ))}
        </ol>
        <p className="mt-6 border-t border-slate-100 pt-4 text-xs text-slate-500">
          The gateway records when a phone was last seen and with which mail app, its first sign-in, sign-ins from a new
          address or mail app, and failed sign-ins to its mailbox (at most one a minute per address).
        </p>
      </Card>
    </>
  );
}

import { type DeviceCommand, deviceTimeline } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RevokeButton } from "@/components/forms/device-forms";
import { Badge, Card, dateTime, PageHeader, Stat, Table, td, timeAgo, wide } from "@/components/ui";
import { requireTenant } from "@/lib/server/session";
import { PLATFORM } from "../device-table.tsx";

export const metadata: Metadata = { title: "Device timeline" };

const DOT = { info: "bg-sky-500", good: "bg-emerald-500", warn: "bg-amber-500", bad: "bg-red-500" };

export default async function DevicePage(props: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await props.params;
  const { ctx, tenant } = await requireTenant(slug);
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const {
    device: d,
    entries,
    lastCommands,
  } = await deviceTimeline(ctx, { tenantId: tenant.id, id }).catch(() => notFound());
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
      <LastCommands commands={lastCommands} />
    </>
  );
}

/** Commands in one millisecond share a time: the position in the (fixed) list tells them apart. */
function keyed(commands: DeviceCommand[]) {
  return commands.map((c, n) => ({ c, key: `${c.at}#${n}` }));
}

function LastCommands(props: { commands: DeviceCommand[] }) {
  return (
    <Card
      title="Last commands"
      description="What this phone's mail app last asked of Postern, newest first, and what it was told."
      className="mt-6"
    >
      {props.commands.length === 0 ? (
        <p className="text-sm text-slate-600">Nothing yet: the phone has not signed in since it was added.</p>
      ) : (
        <Table
          caption="Last commands"
          head={["When", "Command", { label: "Folder", wide: true }, "Result", { label: "Took", wide: true }]}
        >
          {keyed(props.commands).map(({ c, key }) => {
            const failed = c.proto === "imap" ? c.status !== "OK" : !c.status.startsWith("2");
            return (
              <tr key={key}>
                <td className={`${td} whitespace-nowrap text-xs`}>{dateTime(new Date(c.at))}</td>
                <td className={`${td} text-xs`}>
                  <span className="font-mono">{c.command}</span>
                  <span className="ml-1 text-slate-400">{c.proto.toUpperCase()}</span>
                  {c.folder && <span className="block text-slate-500 md:hidden">{c.folder}</span>}
                </td>
                <td className={`${td} ${wide} text-xs`}>{c.folder ?? "—"}</td>
                <td className={`${td} text-xs`}>
                  <Badge tone={failed ? "bad" : "good"}>
                    {c.status}
                    {c.code ? ` [${c.code}]` : ""}
                  </Badge>
                  {c.text && failed && <span className="mt-1 block max-w-sm text-red-700">{c.text}</span>}
                </td>
                <td className={`${td} ${wide} whitespace-nowrap text-xs`}>
                  {c.ms === undefined ? "—" : `${c.ms.toLocaleString("en")} ms`}
                </td>
              </tr>
            );
          })}
        </Table>
      )}
    </Card>
  );
}

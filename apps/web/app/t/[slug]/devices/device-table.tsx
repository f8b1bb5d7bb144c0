import Link from "next/link";
import { RevokeButton } from "@/components/forms/device-forms";
import { Badge, dateTime, Table, td, timeAgo, wide } from "@/components/ui";

export interface DeviceRow {
  id: string;
  name: string;
  platform: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  lastClient: string | null;
  revokedAt: Date | null;
  mailbox: { id: string; address: string };
}

export const PLATFORM: Record<string, string> = { ios: "iPhone / iPad", android: "Android", other: "Other" };

export function DeviceTable(props: { slug: string; rows: DeviceRow[]; showMailbox: boolean; admin: boolean }) {
  if (!props.rows.length) return <p className="text-sm text-slate-600">No phones yet. Add one with a QR code.</p>;
  // On a phone: the phone (its platform and mailbox under it), last seen and revoke.
  const head = [
    "Phone",
    ...(props.showMailbox ? [{ label: "Mailbox", wide: true as const }] : []),
    { label: "Platform", wide: true as const },
    { label: "Added", wide: true as const },
    "Last seen",
    { label: "Client", wide: true as const },
    "",
  ];
  return (
    <Table caption="Phones" head={head}>
      {props.rows.map((d) => (
        <tr key={d.id} className={d.revokedAt ? "bg-slate-50/60 text-slate-400" : "hover:bg-slate-50"}>
          <td className={td}>
            {props.admin ? (
              <Link href={`/t/${props.slug}/devices/${d.id}`} className="font-medium text-brand-700 hover:underline">
                {d.name}
              </Link>
            ) : (
              <span className="font-medium">{d.name}</span>
            )}
            {d.revokedAt && (
              <span className="ml-2">
                <Badge tone="neutral">revoked</Badge>
              </span>
            )}
            <span className="block text-xs text-slate-500 md:hidden">
              {PLATFORM[d.platform] ?? d.platform}
              {props.showMailbox && <span className="block break-all">{d.mailbox.address}</span>}
            </span>
          </td>
          {props.showMailbox && (
            <td className={`${td} ${wide}`}>
              <Link href={`/t/${props.slug}/mailboxes/${d.mailbox.id}`} className="hover:underline">
                {d.mailbox.address}
              </Link>
            </td>
          )}
          <td className={`${td} ${wide}`}>{PLATFORM[d.platform] ?? d.platform}</td>
          <td className={`${td} ${wide} whitespace-nowrap`} title={dateTime(d.createdAt)}>
            {timeAgo(d.createdAt)}
          </td>
          <td className={`${td} whitespace-nowrap`}>
            {d.lastSeenAt ? <span title={dateTime(d.lastSeenAt)}>{timeAgo(d.lastSeenAt)}</span> : "never"}
          </td>
          <td className={`${td} ${wide} max-w-48 truncate text-xs`} title={d.lastClient ?? undefined}>
            {d.lastClient ?? "—"}
          </td>
          <td className={`${td} text-right`}>
            {!d.revokedAt && <RevokeButton slug={props.slug} id={d.id} name={d.name} />}
          </td>
        </tr>
      ))}
    </Table>
  );
}

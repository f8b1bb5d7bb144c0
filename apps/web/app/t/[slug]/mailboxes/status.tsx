// A mailbox's sync health in words an admin can act on.
import type { SyncProgress } from "@postern/db/provisioning";
import { Badge, timeAgo } from "@/components/ui";

export function SyncBadge(props: { kind: string; state: string; progress: SyncProgress }) {
  if (props.kind === "hosted") return <Badge tone="neutral">Hosted by Postern</Badge>;
  switch (props.state) {
    case "idle":
      return <Badge tone="good">Up to date</Badge>;
    case "syncing":
      return <Badge tone="info">{props.progress.total ? "Initial sync" : "Syncing"}</Badge>;
    case "needs_attention":
      return <Badge tone="bad">Needs attention</Badge>;
    default:
      return <Badge tone="warn">Sync problem</Badge>;
  }
}

export function ProgressLine(props: { progress: SyncProgress }) {
  const p = props.progress;
  if (!p.total) return null;
  const pct = Math.min(100, Math.round(((p.done ?? 0) / p.total) * 100));
  return (
    <div className="mt-1 w-full max-w-xs">
      <div
        className="h-1.5 overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Initial sync progress"
      >
        <div className="h-full rounded-full bg-brand-500" style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-0.5 text-xs text-slate-500">
        {p.folder ? `${p.folder}: ` : ""}
        {(p.done ?? 0).toLocaleString("en")} of {p.total.toLocaleString("en")} messages
        {p.folders ? ` · folder ${Math.min((p.foldersDone ?? 0) + 1, p.folders)} of ${p.folders}` : ""}
      </p>
    </div>
  );
}

/** What to do about an error, when the words alone do not say. */
export function errorAdvice(error: string | null): string | null {
  if (!error) return null;
  if (/password|credential|login|auth/i.test(error))
    return "Update the mailbox's password below; Postern retries at once.";
  if (/certificate/i.test(error)) return "Add the server's CA certificate on the mail system's page.";
  if (/reach|unavailable|refused|timed out/i.test(error))
    return "Postern keeps retrying. Check that the mail server is up.";
  return null;
}

export function lastSync(d: Date | null) {
  return d ? timeAgo(d) : "not yet";
}

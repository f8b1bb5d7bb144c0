// The admin CLI's commands, one registry. Each validates its options, calls
// the same provisioning function the portal uses, and prints text or --json.
// The families live beside this file: backends.ts, mailboxes.ts, devices.ts,
// invite.ts, audit.ts, outbox.ts.

import { redactUrl } from "@postern/db/database";
import { createTenant, listMailboxes, listTenants } from "@postern/db/provisioning";
import { AUDIT_COMMAND } from "./audit.ts";
import { BACKEND_COMMANDS } from "./backends.ts";
import { type CliContext, table } from "./context.ts";
import { DEVICE_COMMANDS } from "./devices.ts";
import { INVITE_COMMAND } from "./invite.ts";
import { MAILBOX_COMMANDS, mailboxRow } from "./mailboxes.ts";
import { str } from "./options.ts";
import { OUTBOX_COMMANDS } from "./outbox.ts";
import { syncNow } from "./sync.ts";

export { UsageError } from "./errors.ts";

import { UsageError } from "./errors.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  required?: boolean;
  multiple?: boolean;
  help: string;
}

export interface CommandDef {
  /** e.g. "tenant create" */
  name: string;
  summary: string;
  positionals?: string[];
  options: Record<string, OptionSpec>;
  run(ctx: CliContext, opts: Record<string, unknown>, positionals: string[]): Promise<void>;
}

export const COMMANDS: CommandDef[] = [
  {
    name: "tenant create",
    summary: "Create a tenant (a business)",
    options: {
      name: { type: "string", required: true, help: "display name" },
      slug: { type: "string", help: "short id used in URLs and the CLI (default: from the name)" },
      domain: { type: "string", multiple: true, help: "a mail domain of the tenant (repeatable)" },
    },
    async run(ctx, o) {
      const t = await createTenant(ctx.prov, {
        name: String(o.name),
        slug: str(o.slug),
        domains: (o.domain as string[] | undefined) ?? [],
      });
      const value = { id: t.id, name: t.name, slug: t.slug, domains: t.domains.map((d) => d.domain) };
      ctx.out(value, () => `created tenant ${t.slug} (${t.id})`);
    },
  },
  {
    name: "tenant list",
    summary: "List tenants",
    options: {},
    async run(ctx) {
      const rows = (await listTenants(ctx.prov)).map((t) => ({
        id: t.id,
        slug: t.slug,
        name: t.name,
        domains: t.domains.map((d) => d.domain),
        backends: t._count.backends,
        mailboxes: t._count.mailboxes,
      }));
      ctx.out(rows, () =>
        table(
          rows.map((r) => ({ ...r, domains: r.domains.join(",") })),
          ["slug", "name", "domains", "backends", "mailboxes", "id"],
        ),
      );
    },
  },
  ...BACKEND_COMMANDS,
  ...MAILBOX_COMMANDS,
  ...DEVICE_COMMANDS,
  INVITE_COMMAND,
  AUDIT_COMMAND,
  {
    name: "sync",
    summary: "Sync a mailbox with its backend now, showing progress",
    positionals: ["ADDRESS"],
    options: { timeout: { type: "string", help: "give up after this many seconds (default 600)" } },
    async run(ctx, o, pos) {
      if (pos.length !== 1) throw new UsageError("sync takes exactly one mailbox address");
      const timeoutS = o.timeout === undefined ? 600 : Number(o.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError("--timeout must be a number of seconds");
      const result = await syncNow(ctx, pos[0], timeoutS * 1000);
      ctx.out(result, () =>
        result.ok
          ? `synced ${result.address}: ${result.folders} folders, ${result.messages} messages (${(result.ms / 1000).toFixed(1)} s${result.ranHere ? ", run here: no gateway was syncing it" : ""})`
          : `sync of ${result.address} failed: ${result.error}`,
      );
      if (!result.ok) process.exitCode = 1;
    },
  },
  {
    name: "status",
    summary: "Database, listeners, mailboxes and their sync health",
    options: {},
    async run(ctx) {
      const port = Number(process.env.GATEWAY_HTTP_PORT || 9464);
      let gateway: {
        reachable: boolean;
        ready?: boolean;
        listeners?: Record<string, number>;
        checks?: unknown;
        error?: string;
      };
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { ready: boolean; listeners: Record<string, number>; checks: unknown };
        gateway = { reachable: true, ready: body.ready, listeners: body.listeners, checks: body.checks };
      } catch (err) {
        gateway = { reachable: false, error: `no gateway answering on 127.0.0.1:${port} (${(err as Error).message})` };
      }
      const mailboxes = (await listMailboxes(ctx.prov)).map(mailboxRow);
      const value = {
        database: { mode: ctx.db.mode, url: redactUrl(ctx.db.url), ok: true },
        gateway,
        mailboxes,
      };
      ctx.out(value, () =>
        [
          `database  ${ctx.db.mode}  ${redactUrl(ctx.db.url)}  ok`,
          gateway.reachable
            ? `gateway   ${gateway.ready ? "ready" : "NOT READY"}  ${Object.entries(gateway.listeners ?? {})
                .map(([k, v]) => `${k}:${v}`)
                .join(" ")}`
            : `gateway   down: ${gateway.error}`,
          "",
          `mailboxes (${mailboxes.length})`,
          table(mailboxes, ["address", "tenant", "backend", "sync", "lastSync", "devices", "error"]),
        ].join("\n"),
      );
    },
  },
  ...OUTBOX_COMMANDS,
];

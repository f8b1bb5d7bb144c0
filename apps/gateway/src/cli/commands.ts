// The admin CLI's commands. Each validates its options, calls the same
// provisioning function the portal uses, and prints text or --json.

import { readFile } from "node:fs/promises";
import type { BackendKind, Security } from "@postern/db";
import { redactUrl } from "@postern/db/database";
import {
  addBackend,
  addDevice,
  addMailbox,
  BACKEND_KINDS,
  createTenant,
  getTenant,
  listDevices,
  listMailboxes,
  listTenants,
  revokeDevice,
  SECURITIES,
} from "@postern/db/provisioning";
import { type CliContext, table } from "./context.ts";
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw new UsageError(`--${option} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

function portOpt(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UsageError(`--${option} must be a port number, got "${value}"`);
  return n;
}

const str = (v: unknown) => (v === undefined ? undefined : String(v));

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
  {
    name: "backend add",
    summary: "Link a mail system to a tenant; prints the backend id",
    options: {
      tenant: { type: "string", required: true, help: "tenant slug" },
      kind: { type: "string", required: true, help: BACKEND_KINDS.join("|") },
      name: { type: "string", help: "display name" },
      host: { type: "string", help: "IMAP/POP3 server host" },
      port: { type: "string", help: "IMAP/POP3 server port (default by --security)" },
      security: { type: "string", help: "tls|starttls|none (default tls)" },
      "smtp-host": { type: "string", help: "SMTP relay host for outbound mail" },
      "smtp-port": { type: "string", help: "SMTP relay port" },
      "smtp-security": { type: "string", help: "tls|starttls|none" },
      "smtp-user": { type: "string", help: "relay login, when not the mailbox's own" },
      "graph-tenant": { type: "string", help: "Microsoft Entra tenant id (graph)" },
      "graph-client-id": { type: "string", help: "application (client) id (graph)" },
      "graph-authority": { type: "string", help: "authority base URL (graph; national clouds, tests)" },
      "graph-api": { type: "string", help: "Graph API base URL (graph)" },
      "ews-url": { type: "string", help: "EWS endpoint URL (ews)" },
      "secret-stdin": { type: "boolean", help: "read the backend secret (relay password, client secret) from stdin" },
      "poll-interval": {
        type: "string",
        help: "seconds between checks of folders other than INBOX (default 60; POP3: of the maildrop)",
      },
      "tls-ca": { type: "string", help: "PEM file of a CA to trust for the backend's certificate (a private CA)" },
      "tls-insecure": { type: "boolean", help: "do not verify the backend's certificate (not recommended)" },
      "pop3-remove-filed": {
        type: "boolean",
        help: "POP3: a message filed to a folder is deleted from the server (default: the server copy stays, hidden from INBOX)",
      },
    },
    async run(ctx, o) {
      // Options are checked before anything is looked up: a typo is a usage error.
      const options: Record<string, unknown> = {};
      if (o["poll-interval"] !== undefined) {
        const n = Number(o["poll-interval"]);
        if (!Number.isFinite(n) || n < 1 || n > 86400) throw new UsageError("--poll-interval must be 1–86400 seconds");
        options.pollIntervalSeconds = n;
      }
      if (o["tls-ca"] !== undefined) {
        try {
          options.tlsCa = await readFile(String(o["tls-ca"]), "utf8");
        } catch (err) {
          throw new UsageError(`cannot read --tls-ca ${o["tls-ca"]}: ${(err as Error).message}`);
        }
        if (!String(options.tlsCa).includes("BEGIN CERTIFICATE"))
          throw new UsageError("--tls-ca must be a PEM certificate file");
      }
      if (o["tls-insecure"]) options.tlsInsecure = true;
      if (o["pop3-remove-filed"]) {
        if (o.kind !== "pop3") throw new UsageError("--pop3-remove-filed is for --kind pop3");
        options.pop3LeaveOnServer = false;
      }
      const tenant = await getTenant(ctx.prov, String(o.tenant));
      const secret = o["secret-stdin"] ? await readStdin() : undefined;
      const b = await addBackend(ctx.prov, {
        tenantId: tenant.id,
        kind: oneOf(o.kind, BACKEND_KINDS, "kind") as BackendKind,
        name: str(o.name),
        host: str(o.host),
        port: portOpt(o.port, "port"),
        security: oneOf(o.security, SECURITIES, "security") as Security | undefined,
        smtpHost: str(o["smtp-host"]),
        smtpPort: portOpt(o["smtp-port"], "smtp-port"),
        smtpSecurity: oneOf(o["smtp-security"], SECURITIES, "smtp-security") as Security | undefined,
        smtpUser: str(o["smtp-user"]),
        graphTenantId: str(o["graph-tenant"]),
        graphClientId: str(o["graph-client-id"]),
        graphAuthority: str(o["graph-authority"]),
        graphApiBase: str(o["graph-api"]),
        ewsUrl: str(o["ews-url"]),
        secret,
        options,
      });
      const value = { id: b.id, tenant: tenant.slug, kind: b.kind, name: b.name, host: b.host, port: b.port };
      ctx.out(value, () => b.id);
    },
  },
  {
    name: "mailbox add",
    summary: "Add a mailbox on a backend",
    options: {
      tenant: { type: "string", required: true, help: "tenant slug" },
      address: { type: "string", required: true, help: "the email address phones log in with" },
      backend: { type: "string", required: true, help: "backend id" },
      login: { type: "string", help: "login at the backend (default: the address)" },
      name: { type: "string", help: "display name" },
      alias: { type: "string", multiple: true, help: "another address this mailbox may send as (repeatable)" },
      "password-stdin": { type: "boolean", help: "read the backend password from stdin" },
    },
    async run(ctx, o) {
      const tenant = await getTenant(ctx.prov, String(o.tenant));
      const password = o["password-stdin"] ? await readStdin() : undefined;
      const m = await addMailbox(ctx.prov, {
        tenantId: tenant.id,
        backendId: String(o.backend),
        address: String(o.address),
        login: str(o.login),
        displayName: str(o.name),
        password,
        aliases: (o.alias as string[] | undefined) ?? [],
      });
      ctx.out(
        { id: m.id, address: m.address, tenant: tenant.slug, backend: m.backendId },
        () => `added mailbox ${m.address} (${m.id})`,
      );
    },
  },
  {
    name: "mailbox list",
    summary: "List mailboxes and their sync health",
    options: { tenant: { type: "string", help: "only this tenant (slug)" } },
    async run(ctx, o) {
      const tenantId = o.tenant ? (await getTenant(ctx.prov, String(o.tenant))).id : undefined;
      const rows = (await listMailboxes(ctx.prov, { tenantId })).map(mailboxRow);
      ctx.out(rows, () => table(rows, ["address", "tenant", "backend", "sync", "lastSync", "devices", "error"]));
    },
  },
  {
    name: "device add",
    summary: "Add a device (phone) to a mailbox; prints its app password once",
    options: {
      mailbox: { type: "string", required: true, help: "mailbox address" },
      name: { type: "string", required: true, help: 'device name, e.g. "Ana\'s iPhone"' },
      platform: { type: "string", help: "ios|android|other" },
    },
    async run(ctx, o) {
      const { device, password } = await addDevice(ctx.prov, {
        mailbox: String(o.mailbox),
        name: String(o.name),
        platform: str(o.platform),
      });
      ctx.out({ id: device.id, mailbox: device.mailbox, name: device.name, platform: device.platform, password }, () =>
        [
          `device ${device.id} added to ${device.mailbox}`,
          `app password (shown once): ${password}`,
          "Log in with the mailbox address and this password.",
        ].join("\n"),
      );
    },
  },
  {
    name: "device list",
    summary: "List a mailbox's devices",
    options: { mailbox: { type: "string", required: true, help: "mailbox address" } },
    async run(ctx, o) {
      const rows = (await listDevices(ctx.prov, { mailbox: String(o.mailbox) })).map((d) => ({
        id: d.id,
        name: d.name,
        platform: d.platform,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        revokedAt: d.revokedAt,
        revoked: Boolean(d.revokedAt),
      }));
      ctx.out(rows, () => table(rows, ["id", "name", "platform", "createdAt", "lastSeenAt", "revokedAt"]));
    },
  },
  {
    name: "device revoke",
    summary: "Revoke a device: its password stops working and its sessions end",
    positionals: ["ID"],
    options: {},
    async run(ctx, _o, pos) {
      if (pos.length !== 1) throw new UsageError("device revoke takes exactly one device ID");
      const d = await revokeDevice(ctx.prov, { id: pos[0] });
      ctx.out({ id: d.id, revokedAt: d.revokedAt, revoked: true }, () => `revoked device ${d.id}`);
    },
  },
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

function progressText(p: unknown): string | null {
  const x = p as { done?: number; total?: number; folder?: string } | null;
  if (!x?.total) return null;
  return `${x.folder ?? ""} ${x.done ?? 0}/${x.total}`.trim();
}

function mailboxRow(m: Awaited<ReturnType<typeof listMailboxes>>[number]) {
  return {
    address: m.address,
    tenant: m.tenant.slug,
    backend: m.backend.kind,
    backendId: m.backend.id,
    sync:
      m.syncState === "syncing" && progressText(m.syncProgress)
        ? `syncing ${progressText(m.syncProgress)}`
        : m.syncState,
    progress: m.syncProgress,
    lastSync: m.lastSyncAt,
    devices: m._count.devices,
    folders: m._count.folders,
    error: m.lastError,
  };
}

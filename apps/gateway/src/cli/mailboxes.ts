// `postern mailbox add|list|update|import`, through the provisioning
// functions the portal's mailbox pages use (addMailbox, updateMailbox,
// importMailboxes). Backend passwords come from stdin and are never printed.
import {
  addMailbox,
  findMailbox,
  getTenant,
  importMailboxes,
  listMailboxes,
  updateMailbox,
} from "@postern/db/provisioning";
import type { CommandDef } from "./commands.ts";
import { table } from "./context.ts";
import { UsageError } from "./errors.ts";
import { onePositional, readStdin, readTextFile, secretFromStdin, str, uuidArg } from "./options.ts";

/** The portal's limit on an uploaded CSV (importMailboxesAction). */
const MAX_CSV_BYTES = 2_000_000;

function progressText(p: unknown): string | null {
  const x = p as { done?: number; total?: number; folder?: string } | null;
  if (!x?.total) return null;
  return `${x.folder ?? ""} ${x.done ?? 0}/${x.total}`.trim();
}

export function mailboxRow(m: Awaited<ReturnType<typeof listMailboxes>>[number]) {
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

export const MAILBOX_COMMANDS: CommandDef[] = [
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
    name: "mailbox update",
    summary: 'Change a mailbox\'s display name, backend login, aliases or backend password ("" clears name and login)',
    positionals: ["ADDRESS"],
    options: {
      name: { type: "string", help: "display name" },
      login: { type: "string", help: 'login at the backend ("" to log in with the address)' },
      "add-alias": { type: "string", multiple: true, help: "another address it may send as (repeatable)" },
      "remove-alias": { type: "string", multiple: true, help: "an alias it may no longer send as (repeatable)" },
      "password-stdin": { type: "boolean", help: "read a new backend password from stdin" },
    },
    async run(ctx, o, pos) {
      const address = onePositional(pos, "postern mailbox update ADDRESS [options]");
      const add = (o["add-alias"] as string[] | undefined) ?? [];
      const remove = new Set(((o["remove-alias"] as string[] | undefined) ?? []).map((a) => a.trim().toLowerCase()));
      if (o.name === undefined && o.login === undefined && !add.length && !remove.size && !o["password-stdin"])
        throw new UsageError(
          "nothing to change: give --name, --login, --add-alias, --remove-alias or --password-stdin",
        );
      const m = await findMailbox(ctx.prov, address);
      for (const a of remove) {
        if (!m.aliases.includes(a)) throw new UsageError(`${a} is not an alias of ${m.address}`);
      }
      const aliases = add.length || remove.size ? [...m.aliases.filter((a) => !remove.has(a)), ...add] : undefined;
      const password = o["password-stdin"] ? await secretFromStdin("password-stdin") : undefined;
      const u = await updateMailbox(ctx.prov, {
        tenantId: m.tenantId,
        id: m.id,
        displayName: str(o.name),
        login: str(o.login),
        password,
        aliases,
      });
      const value = {
        id: u.id,
        address: u.address,
        displayName: u.displayName,
        login: u.login,
        aliases: u.aliases,
        passwordChanged: Boolean(password),
      };
      ctx.out(value, () =>
        [
          `updated mailbox ${u.address}`,
          `  name     ${u.displayName ?? "-"}`,
          `  login    ${u.login ?? `${u.address} (the address)`}`,
          `  aliases  ${u.aliases.join(", ") || "-"}`,
          ...(password ? ["  password changed; the gateway reconnects to the backend with it"] : []),
        ].join("\n"),
      );
    },
  },
  {
    name: "mailbox import",
    summary: "Add many mailboxes from a CSV file (address,login,password,name); exit 1 if any row failed",
    options: {
      tenant: { type: "string", required: true, help: "tenant slug" },
      backend: { type: "string", required: true, help: "backend id the mailboxes live on" },
      csv: { type: "string", required: true, help: "CSV file: address,login,password,name (header row optional)" },
    },
    async run(ctx, o) {
      const backendId = uuidArg(String(o.backend), "a backend id (see backend list)");
      const csv = await readTextFile(String(o.csv), "csv", MAX_CSV_BYTES);
      const tenant = await getTenant(ctx.prov, String(o.tenant));
      const results = await importMailboxes(ctx.prov, { tenantId: tenant.id, backendId, csv });
      const failed = results.filter((r) => !r.ok).length;
      ctx.out({ added: results.length - failed, failed, rows: results }, () =>
        [
          table(
            results.map((r) => ({ ...r, result: r.ok ? "added" : "FAILED" })),
            ["line", "address", "result", "message"],
          ),
          "",
          `${results.length - failed} added, ${failed} failed`,
        ].join("\n"),
      );
      if (failed) process.exitCode = 1;
    },
  },
];

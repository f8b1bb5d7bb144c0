// `postern backend add|list|update`: the mail systems a tenant's mailboxes
// live on, through the same provisioning functions as the portal's backend
// pages (addBackend, listBackends, updateBackend). A backend's secret is
// only ever written (from stdin), never printed.
import type { BackendKind, Security } from "@postern/db";
import {
  addBackend,
  BACKEND_KINDS,
  getBackend,
  getTenant,
  listBackends,
  SECURITIES,
  updateBackend,
} from "@postern/db/provisioning";
import { SMTP_LIMITS } from "../smtp/limits.ts";
import type { CommandDef, OptionSpec } from "./commands.ts";
import { table } from "./context.ts";
import { UsageError } from "./errors.ts";
import {
  intOpt,
  notBoth,
  oneOf,
  onePositional,
  portOpt,
  readTextFile,
  secretFromStdin,
  str,
  uuidArg,
} from "./options.ts";

const MIB = 1024 * 1024;
/** A backend can only lower the gateway's SMTP message limit (EHLO advertised it before AUTH). */
const MAX_MESSAGE_MB = Math.floor(SMTP_LIMITS.maxMessageBytes / MIB);

/** Options `backend add` and `backend update` share, with the same names. */
const FIELDS: Record<string, OptionSpec> = {
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
  "relay-saves-sent": {
    type: "boolean",
    help: "the relay files what it sends into Sent itself (as Gmail's does), so Postern adds no Sent copy",
  },
  "max-message-mb": {
    type: "string",
    help: `largest message phones may send through this backend, 1–${MAX_MESSAGE_MB} MiB (default ${MAX_MESSAGE_MB})`,
  },
};

/** What only `backend update` says: undoing a flag, and clearing a value. */
const UPDATE_ONLY: Record<string, OptionSpec> = {
  "clear-secret": { type: "boolean", help: "forget the stored backend secret" },
  "no-tls-insecure": { type: "boolean", help: "verify the backend's certificate again" },
  "pop3-keep-filed": { type: "boolean", help: "POP3: a message filed to a folder stays on the server (the default)" },
  "no-relay-saves-sent": { type: "boolean", help: "Postern saves the Sent copy again (the default)" },
};

/**
 * The backend's `options` (the JSON column the gateway reads) this command
 * line sets. For update, null removes an option (back to its default):
 * `--poll-interval ""`, `--tls-ca ""`, `--max-message-mb ""`, the --no-… flags.
 */
async function backendOptions(o: Record<string, unknown>, update: boolean) {
  const options: Record<string, unknown> = {};
  const cleared = (k: string) => update && o[k] === "";
  if (cleared("poll-interval")) options.pollIntervalSeconds = null;
  else if (o["poll-interval"] !== undefined) {
    const n = Number(o["poll-interval"]);
    if (!Number.isFinite(n) || n < 1 || n > 86400) throw new UsageError("--poll-interval must be 1–86400 seconds");
    options.pollIntervalSeconds = n;
  }
  if (cleared("tls-ca")) options.tlsCa = null;
  else if (o["tls-ca"] !== undefined) {
    const pem = await readTextFile(String(o["tls-ca"]), "tls-ca", 1_000_000);
    if (!pem.includes("BEGIN CERTIFICATE")) throw new UsageError("--tls-ca must be a PEM certificate file");
    options.tlsCa = pem;
  }
  notBoth(o, "tls-insecure", "no-tls-insecure");
  if (o["tls-insecure"]) options.tlsInsecure = true;
  if (o["no-tls-insecure"]) options.tlsInsecure = null;
  notBoth(o, "pop3-remove-filed", "pop3-keep-filed");
  if (o["pop3-remove-filed"]) options.pop3LeaveOnServer = false;
  if (o["pop3-keep-filed"]) options.pop3LeaveOnServer = true;
  notBoth(o, "relay-saves-sent", "no-relay-saves-sent");
  if (o["relay-saves-sent"]) options.relaySavesSent = true;
  if (o["no-relay-saves-sent"]) options.relaySavesSent = null;
  if (cleared("max-message-mb")) options.maxMessageBytes = null;
  else {
    const mb = intOpt(
      o["max-message-mb"],
      "max-message-mb",
      1,
      MAX_MESSAGE_MB,
      " (MiB; a backend can only lower the gateway's limit)",
    );
    if (mb !== undefined) options.maxMessageBytes = mb * MIB;
  }
  return options;
}

/** Options that only some kinds of backend have. */
function checkKindOptions(o: Record<string, unknown>, kind: string, update: boolean): void {
  const kinds: Array<[RegExp, string]> = [
    [/^pop3-/, "pop3"],
    [/^graph-/, "graph"],
    [/^ews-/, "ews"],
  ];
  for (const [k, v] of Object.entries(o)) {
    const only = kinds.find(([re]) => re.test(k))?.[1];
    if (!only || v === undefined || v === false || only === kind) continue;
    throw new UsageError(
      update ? `--${k} is for ${only} backends; this one is ${kind}` : `--${k} is for --kind ${only}`,
    );
  }
}

type BackendRow = Awaited<ReturnType<typeof listBackends>>[number];

/** A backend as the CLI shows it: every setting, no secret (secretCipher is omitted by the client). */
function backendView(b: Omit<BackendRow, "_count">) {
  return {
    id: b.id,
    kind: b.kind,
    name: b.name,
    host: b.host,
    port: b.port,
    security: b.security,
    smtpHost: b.smtpHost,
    smtpPort: b.smtpPort,
    smtpSecurity: b.smtpSecurity,
    smtpUser: b.smtpUser,
    graphTenantId: b.graphTenantId,
    graphClientId: b.graphClientId,
    graphAuthority: b.graphAuthority,
    graphApiBase: b.graphApiBase,
    ewsUrl: b.ewsUrl,
    options: b.options,
  };
}

const hostPort = (host: string | null, port: number | null) => (host ? (port ? `${host}:${port}` : host) : null);

/** "" on update means "remove this setting". */
const clearable = (v: unknown) => (v === undefined ? undefined : v === "" ? null : String(v));
const clearablePort = (v: unknown, option: string) => (v === "" ? null : portOpt(v, option));
const clearableSecurity = (v: unknown, option: string) =>
  v === "" ? null : (oneOf(v, SECURITIES, option) as Security | undefined);

export const BACKEND_COMMANDS: CommandDef[] = [
  {
    name: "backend add",
    summary: "Link a mail system to a tenant; prints the backend id",
    options: {
      tenant: { type: "string", required: true, help: "tenant slug" },
      kind: { type: "string", required: true, help: BACKEND_KINDS.join("|") },
      ...FIELDS,
    },
    async run(ctx, o) {
      // Options are checked before anything is looked up: a typo is a usage error.
      const kind = oneOf(o.kind, BACKEND_KINDS, "kind") as BackendKind;
      const options = await backendOptions(o, false);
      checkKindOptions(o, kind, false);
      const tenant = await getTenant(ctx.prov, String(o.tenant));
      const secret = o["secret-stdin"] ? await secretFromStdin("secret-stdin") : undefined;
      const b = await addBackend(ctx.prov, {
        tenantId: tenant.id,
        kind,
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
    name: "backend list",
    summary: "List a tenant's backends (never their secrets)",
    options: { tenant: { type: "string", required: true, help: "tenant slug" } },
    async run(ctx, o) {
      const tenant = await getTenant(ctx.prov, String(o.tenant));
      const rows = (await listBackends(ctx.prov, tenant.id)).map((b) => ({
        ...backendView(b),
        mailboxes: b._count.mailboxes,
        createdAt: b.createdAt,
      }));
      ctx.out(rows, () =>
        table(
          rows.map((r) => ({
            ...r,
            host: hostPort(r.host, r.port) ?? r.ewsUrl,
            relay: hostPort(r.smtpHost, r.smtpPort),
          })),
          ["id", "kind", "name", "host", "relay", "mailboxes"],
        ),
      );
    },
  },
  {
    name: "backend update",
    summary: 'Change a backend\'s settings; other settings stay as they are ("" clears a value)',
    positionals: ["ID"],
    options: { ...FIELDS, ...UPDATE_ONLY },
    async run(ctx, o, pos) {
      const id = uuidArg(onePositional(pos, "postern backend update ID [options]"), "a backend id (see backend list)");
      notBoth(o, "secret-stdin", "clear-secret");
      const given = Object.keys(o).filter((k) => k !== "json" && o[k] !== undefined && o[k] !== false);
      if (!given.length) throw new UsageError("nothing to change: give the settings to change (see --help)");
      for (const k of ["name", "host", "port", "security"]) {
        if (o[k] === "") throw new UsageError(`--${k} cannot be empty`);
      }
      // Every value is checked before the backend is looked up: a typo is a usage error.
      const fields = {
        name: str(o.name),
        host: str(o.host),
        port: portOpt(o.port, "port"),
        security: oneOf(o.security, SECURITIES, "security") as Security | undefined,
        smtpHost: clearable(o["smtp-host"]),
        smtpPort: clearablePort(o["smtp-port"], "smtp-port"),
        smtpSecurity: clearableSecurity(o["smtp-security"], "smtp-security"),
        smtpUser: clearable(o["smtp-user"]),
        graphTenantId: clearable(o["graph-tenant"]),
        graphClientId: clearable(o["graph-client-id"]),
        graphAuthority: clearable(o["graph-authority"]),
        graphApiBase: clearable(o["graph-api"]),
        ewsUrl: clearable(o["ews-url"]),
        options: await backendOptions(o, true),
      };
      const current = await getBackend(ctx.prov, id);
      checkKindOptions(o, current.kind, true);
      const secret = o["secret-stdin"] ? await secretFromStdin("secret-stdin") : undefined;
      const b = await updateBackend(ctx.prov, {
        tenantId: current.tenantId,
        id,
        ...fields,
        secret,
        clearSecret: Boolean(o["clear-secret"]),
      });
      ctx.out({ ...backendView(b), changed: given }, () => `updated backend ${b.id}: ${given.join(", ")}`);
    },
  },
];

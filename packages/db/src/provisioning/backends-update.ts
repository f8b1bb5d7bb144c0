// Editing a backend from the portal. Secrets are write-only: an empty secret
// keeps the stored one, and nothing here ever returns it.
import type { Security } from "../generated/prisma/client.ts";
import { audit } from "./audit.ts";
import { backendSecretContext, defaultPort, SECURITIES } from "./backends.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import { notify } from "./mailboxes.ts";
import { checkHost, checkName, checkPort, checkUrl } from "./validate.ts";

export interface UpdateBackendInput {
  tenantId: string;
  id: string;
  name?: string;
  host?: string;
  port?: number;
  security?: Security;
  smtpHost?: string | null;
  smtpPort?: number | null;
  smtpSecurity?: Security | null;
  smtpUser?: string | null;
  graphTenantId?: string | null;
  graphClientId?: string | null;
  graphAuthority?: string | null;
  graphApiBase?: string | null;
  ewsUrl?: string | null;
  /** A new secret; undefined or "" keeps the stored one. */
  secret?: string;
  clearSecret?: boolean;
  /** Merged into the stored options (null deletes a key). */
  options?: Record<string, unknown>;
}

const nullable = <T>(v: T | null | undefined, check: (v: T) => T | undefined): T | null | undefined =>
  v === undefined ? undefined : v === null || v === "" ? null : (check(v) ?? null);

export async function updateBackend(ctx: ProvisioningContext, input: UpdateBackendInput) {
  const b = await ctx.prisma.backend.findFirst({ where: { id: input.id, tenantId: input.tenantId } });
  if (!b) throw notFound("No such backend in this workspace");
  for (const [field, value] of [
    ["security", input.security],
    ["smtpSecurity", input.smtpSecurity],
  ] as const) {
    if (value && !SECURITIES.includes(value)) throw invalid(`${field} must be tls, starttls or none`, field);
  }
  const host = input.host === undefined ? undefined : checkHost(input.host, "host");
  if ((b.kind === "imap" || b.kind === "pop3") && input.host !== undefined && !host) {
    throw invalid("Enter the server's host name", "host");
  }
  const security = input.security ?? undefined;
  let port = checkPort(input.port, "port");
  if (port === undefined && security && security !== b.security && (b.kind === "imap" || b.kind === "pop3")) {
    port = defaultPort(b.kind, security);
  }
  const options = { ...((b.options ?? {}) as Record<string, unknown>) };
  for (const [k, v] of Object.entries(input.options ?? {})) {
    if (v === null || v === undefined) delete options[k];
    else options[k] = v;
  }
  const smtpHost = nullable(input.smtpHost, (v) => checkHost(v, "smtpHost"));
  const data = {
    name: input.name !== undefined ? checkName(input.name, "name") : undefined,
    host,
    port,
    security,
    smtpHost,
    smtpPort: nullable(input.smtpPort, (v) => checkPort(v, "smtpPort")),
    smtpSecurity: nullable(input.smtpSecurity, (v) => v),
    smtpUser: nullable(input.smtpUser, (v) => v.trim()),
    graphTenantId: nullable(input.graphTenantId, (v) => v.trim()),
    graphClientId: nullable(input.graphClientId, (v) => v.trim()),
    graphAuthority: nullable(input.graphAuthority, (v) => checkUrl(v, "graphAuthority")),
    graphApiBase: nullable(input.graphApiBase, (v) => checkUrl(v, "graphApiBase")),
    ewsUrl: nullable(input.ewsUrl, (v) => checkUrl(v, "ewsUrl")),
    secretCipher: input.clearSecret
      ? null
      : input.secret
        ? ctx.keyring.encrypt(input.secret, backendSecretContext(b.id))
        : undefined,
    options: options as object,
  };
  return ctx.prisma.$transaction(async (tx) => {
    const updated = await tx.backend.update({ where: { id: b.id }, data });
    const changed = Object.entries(data)
      .filter(([k, v]) => v !== undefined && k !== "secretCipher" && k !== "options")
      .map(([k]) => k);
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: "backend.update",
      target: b.id,
      data: { changed, secretChanged: Boolean(input.secret) || Boolean(input.clearSecret) },
    });
    await notify(tx, { type: "backend.changed", backendId: b.id });
    return updated;
  });
}

/** Record the Entra tenant that granted admin consent (Connect Microsoft 365). */
export async function setGraphTenant(
  ctx: ProvisioningContext,
  input: { tenantId: string; id: string; graphTenantId: string },
) {
  if (!/^[0-9a-f-]{36}$/i.test(input.graphTenantId) && !/^[a-z0-9.-]+$/i.test(input.graphTenantId)) {
    throw invalid("Microsoft returned a tenant id Postern does not recognise", "graphTenantId");
  }
  const b = await ctx.prisma.backend.findFirst({ where: { id: input.id, tenantId: input.tenantId, kind: "graph" } });
  if (!b) throw notFound("No such Microsoft 365 backend in this workspace");
  return ctx.prisma.$transaction(async (tx) => {
    const updated = await tx.backend.update({
      where: { id: b.id },
      data: {
        graphTenantId: input.graphTenantId,
        options: { ...((b.options ?? {}) as object), adminConsentAt: new Date().toISOString() },
      },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: "backend.m365_consent",
      target: b.id,
      data: { graphTenantId: input.graphTenantId },
    });
    await notify(tx, { type: "backend.changed", backendId: b.id });
    return updated;
  });
}

import { randomUUID } from "node:crypto";
import type { BackendKind, Security } from "../generated/prisma/client.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import { checkHost, checkName, checkPort, checkUrl } from "./validate.ts";

export const BACKEND_KINDS = ["hosted", "imap", "pop3", "graph", "ews"] as const satisfies readonly BackendKind[];
export const SECURITIES = ["tls", "starttls", "none"] as const satisfies readonly Security[];

/** Well-known ports: RFC 8314 implicit TLS, else the cleartext/STARTTLS port. */
export function defaultPort(service: "imap" | "pop3" | "smtp", security: Security): number {
  switch (service) {
    case "imap":
      return security === "tls" ? 993 : 143;
    case "pop3":
      return security === "tls" ? 995 : 110;
    case "smtp":
      return security === "tls" ? 465 : security === "starttls" ? 587 : 25;
  }
}

export interface AddBackendInput {
  tenantId: string;
  kind: BackendKind;
  name?: string;
  host?: string;
  port?: number;
  security?: Security;
  smtpHost?: string;
  smtpPort?: number;
  smtpSecurity?: Security;
  smtpUser?: string;
  graphTenantId?: string;
  graphClientId?: string;
  graphAuthority?: string;
  graphApiBase?: string;
  ewsUrl?: string;
  /** Relay password or Graph client secret: stored encrypted. */
  secret?: string;
  options?: Record<string, unknown>;
}

export function backendSecretContext(id: string): string {
  return `backend:${id}`;
}

export async function addBackend(ctx: ProvisioningContext, input: AddBackendInput) {
  if (!BACKEND_KINDS.includes(input.kind)) {
    throw invalid(`kind must be one of ${BACKEND_KINDS.join(", ")}`, "kind");
  }
  const tenant = await ctx.prisma.tenant.findUnique({ where: { id: input.tenantId } });
  if (!tenant) throw notFound("no such tenant");
  for (const [field, value] of [
    ["security", input.security],
    ["smtpSecurity", input.smtpSecurity],
  ] as const) {
    if (value !== undefined && !SECURITIES.includes(value))
      throw invalid(`${field} must be tls, starttls or none`, field);
  }
  const host = checkHost(input.host, "host");
  const smtpHost = checkHost(input.smtpHost, "smtpHost");
  if ((input.kind === "imap" || input.kind === "pop3") && !host) {
    throw invalid(`an ${input.kind.toUpperCase()} backend needs --host`, "host");
  }
  if (input.kind === "ews" && !input.ewsUrl) throw invalid("an EWS backend needs its EWS URL", "ewsUrl");
  const security = input.kind === "imap" || input.kind === "pop3" ? (input.security ?? "tls") : input.security;
  const port =
    checkPort(input.port, "port") ??
    (security && (input.kind === "imap" || input.kind === "pop3") ? defaultPort(input.kind, security) : undefined);
  const smtpSecurity = smtpHost ? (input.smtpSecurity ?? "starttls") : input.smtpSecurity;
  const smtpPort =
    checkPort(input.smtpPort, "smtpPort") ?? (smtpHost && smtpSecurity ? defaultPort("smtp", smtpSecurity) : undefined);
  const id = randomUUID();
  const name = checkName(input.name ?? (host ? `${input.kind} ${host}` : input.kind), "name");
  return ctx.prisma.$transaction(async (tx) => {
    const backend = await tx.backend.create({
      data: {
        id,
        tenantId: input.tenantId,
        kind: input.kind,
        name,
        host,
        port,
        security,
        smtpHost,
        smtpPort,
        smtpSecurity,
        smtpUser: input.smtpUser,
        graphTenantId: input.graphTenantId,
        graphClientId: input.graphClientId,
        graphAuthority: checkUrl(input.graphAuthority, "graphAuthority"),
        graphApiBase: checkUrl(input.graphApiBase, "graphApiBase"),
        ewsUrl: checkUrl(input.ewsUrl, "ewsUrl"),
        secretCipher: input.secret ? ctx.keyring.encrypt(input.secret, backendSecretContext(id)) : null,
        options: (input.options ?? {}) as object,
      },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: "backend.add",
      target: id,
      data: { kind: input.kind, host, port, smtpHost, smtpPort, hasSecret: Boolean(input.secret) },
    });
    return backend;
  });
}

export async function listBackends(ctx: ProvisioningContext, tenantId: string) {
  return ctx.prisma.backend.findMany({
    where: { tenantId },
    orderBy: { createdAt: "asc" },
    include: { _count: { select: { mailboxes: true } } },
  });
}

export async function getBackend(ctx: ProvisioningContext, id: string, scope: { tenantId?: string } = {}) {
  const backend = await ctx.prisma.backend.findFirst({
    where: { id, ...(scope.tenantId ? { tenantId: scope.tenantId } : {}) },
  });
  if (!backend) throw notFound(`no backend ${id}`);
  return backend;
}

/** The decrypted backend-wide secret, for the gateway's use only. */
export async function readBackendSecret(ctx: ProvisioningContext, id: string): Promise<string | null> {
  const row = await ctx.prisma.backend.findUnique({ where: { id }, select: { secretCipher: true } });
  if (!row?.secretCipher) return null;
  return ctx.keyring.decrypt(row.secretCipher, backendSecretContext(id));
}

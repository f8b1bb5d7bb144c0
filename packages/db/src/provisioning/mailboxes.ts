import { randomUUID } from "node:crypto";
import { audit } from "./audit.ts";
import type { EVENTS_CHANNEL, ProvisioningContext } from "./context.ts";
import { alreadyExists, invalid, isUniqueViolation, notFound } from "./errors.ts";
import { createStandardFolders } from "./folders.ts";
import { domainOf, normalizeAddress } from "./validate.ts";

export interface AddMailboxInput {
  tenantId: string;
  backendId: string;
  address: string;
  displayName?: string;
  /** Login at the backend; defaults to the address. */
  login?: string;
  /** Backend password (or refresh token): stored encrypted. */
  password?: string;
  aliases?: string[];
}

export function mailboxSecretContext(id: string): string {
  return `mailbox:${id}`;
}

export async function addMailbox(ctx: ProvisioningContext, input: AddMailboxInput) {
  const address = normalizeAddress(input.address);
  const aliases = [...new Set((input.aliases ?? []).map((a) => normalizeAddress(a, "aliases")))];
  const backend = await ctx.prisma.backend.findFirst({ where: { id: input.backendId, tenantId: input.tenantId } });
  if (!backend) throw notFound(`no backend ${input.backendId} in this tenant`);
  if (backend.kind !== "hosted" && !input.password && backend.kind !== "graph") {
    throw invalid(`a mailbox on an ${backend.kind.toUpperCase()} backend needs the backend password`, "password");
  }
  const id = randomUUID();
  try {
    return await ctx.prisma.$transaction(async (tx) => {
      await claimDomains(tx, input.tenantId, [address, ...aliases], "address");
      const mailbox = await tx.mailbox.create({
        data: {
          id,
          tenantId: input.tenantId,
          backendId: backend.id,
          address,
          aliases,
          displayName: input.displayName?.trim() || null,
          login: input.login?.trim() || null,
          secretCipher: input.password ? ctx.keyring.encrypt(input.password, mailboxSecretContext(id)) : null,
          syncState: backend.kind === "hosted" ? "idle" : "syncing",
        },
      });
      await createStandardFolders(tx, id, backend.kind);
      await audit(ctx, tx, {
        tenantId: input.tenantId,
        action: "mailbox.add",
        target: address,
        data: { backendId: backend.id, kind: backend.kind, login: input.login ?? null },
      });
      await notify(tx, { type: "mailbox.changed", mailboxId: id });
      return mailbox;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw alreadyExists(`mailbox ${address} already exists`, "address");
    throw err;
  }
}

type DomainTx = Pick<ProvisioningContext["prisma"], "tenantDomain">;

/**
 * A mail domain belongs to one tenant (autoconfig finds the tenant by
 * domain): claim the domains of `addresses` on first use, refuse another tenant's.
 */
export async function claimDomains(tx: DomainTx, tenantId: string, addresses: string[], field: string): Promise<void> {
  for (const domain of new Set(addresses.map(domainOf))) {
    const owner = await tx.tenantDomain.findUnique({ where: { domain } });
    if (owner && owner.tenantId !== tenantId) throw alreadyExists(`domain ${domain} belongs to another tenant`, field);
    if (!owner) await tx.tenantDomain.create({ data: { domain, tenantId } });
  }
}

export async function findMailbox(ctx: ProvisioningContext, address: string, scope: { tenantId?: string } = {}) {
  const a = normalizeAddress(address);
  const mailbox = await ctx.prisma.mailbox.findFirst({
    where: { address: a, ...(scope.tenantId ? { tenantId: scope.tenantId } : {}) },
    include: { backend: true },
  });
  if (!mailbox) throw notFound(`no mailbox ${a}`);
  return mailbox;
}

export async function listMailboxes(ctx: ProvisioningContext, scope: { tenantId?: string } = {}) {
  return ctx.prisma.mailbox.findMany({
    where: scope.tenantId ? { tenantId: scope.tenantId } : {},
    orderBy: [{ tenantId: "asc" }, { address: "asc" }],
    include: {
      backend: { select: { id: true, kind: true, name: true } },
      tenant: { select: { slug: true } },
      _count: { select: { devices: { where: { revokedAt: null } }, folders: true } },
    },
  });
}

/** The decrypted backend password, for the gateway's use only. */
export async function readMailboxSecret(ctx: ProvisioningContext, mailboxId: string): Promise<string | null> {
  const row = await ctx.prisma.mailbox.findUnique({ where: { id: mailboxId }, select: { secretCipher: true } });
  if (!row?.secretCipher) return null;
  return ctx.keyring.decrypt(row.secretCipher, mailboxSecretContext(mailboxId));
}

type NotifyTx = Pick<ProvisioningContext["prisma"], "$executeRaw">;

/** Publish a cross-process event; delivered when the transaction commits. */
export async function notify(tx: NotifyTx, event: import("./context.ts").PosternEvent): Promise<void> {
  const channel: typeof EVENTS_CHANNEL = "postern_events";
  await tx.$executeRaw`SELECT pg_notify(${channel}, ${JSON.stringify(event)})`;
}

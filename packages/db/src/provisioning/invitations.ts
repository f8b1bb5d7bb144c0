// Invitations: an owner invites admins, an admin invites the people who hold
// a mailbox's phone (role `user`). The link is mailed (or shown to the
// inviter to pass on); accepting creates the account, or adds the
// membership to an existing account of the same email.

import type { Role } from "../generated/prisma/client.ts";
import { hashPassword } from "../passwords.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { alreadyExists, invalid, notFound, ProvisioningError } from "./errors.ts";
import { checkPortalPassword } from "./signup.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";
import { normalizeAddress } from "./validate.ts";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface InviteInput {
  tenantId: string;
  email: string;
  role: "admin" | "user";
  /** Required for role `user`. */
  mailboxId?: string;
  /** The inviter's role: only an owner invites admins. */
  inviterRole: Role;
  /** The inviting user's id; null from the admin CLI (the audit log's actor says "cli"). */
  invitedBy: string | null;
}

export async function createInvitation(ctx: ProvisioningContext, input: InviteInput) {
  const email = normalizeAddress(input.email, "email");
  if (input.role === "admin" && input.inviterRole !== "owner") {
    throw new ProvisioningError("forbidden", "Only the owner can invite admins");
  }
  if (input.role === "user" && input.inviterRole === "user") {
    throw new ProvisioningError("forbidden", "Only owners and admins can invite people");
  }
  let mailboxId: string | null = null;
  if (input.role === "user") {
    if (!input.mailboxId) throw invalid("Choose the mailbox this person will use", "mailboxId");
    const mailbox = await ctx.prisma.mailbox.findFirst({ where: { id: input.mailboxId, tenantId: input.tenantId } });
    if (!mailbox) throw notFound("No such mailbox in this workspace");
    mailboxId = mailbox.id;
  }
  const member = await ctx.prisma.membership.findFirst({ where: { tenantId: input.tenantId, user: { email } } });
  if (member) throw alreadyExists(`${email} is already a member of this workspace`, "email");
  const { token, tokenHash } = newToken();
  const invitation = await ctx.prisma.$transaction(async (tx) => {
    const inv = await tx.invitation.create({
      data: {
        tenantId: input.tenantId,
        email,
        role: input.role,
        mailboxId,
        tokenHash,
        invitedBy: input.invitedBy,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      },
      omit: { tokenHash: true },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: "invitation.create",
      target: email,
      data: { role: input.role },
    });
    return inv;
  });
  return { invitation, token };
}

/** An invitation still open, with its tenant, for the accept page. */
export async function findInvitation(ctx: ProvisioningContext, token: string) {
  if (!looksLikeToken(token)) return null;
  const inv = await ctx.prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { tenant: { select: { id: true, name: true, slug: true } } },
    omit: { tokenHash: true },
  });
  if (!inv || inv.acceptedAt || inv.expiresAt <= new Date()) return null;
  const account = await ctx.prisma.user.findUnique({ where: { email: inv.email }, select: { id: true } });
  return { ...inv, hasAccount: Boolean(account) };
}

/**
 * Accept: `password` makes a new account; `userId` (a signed-in user with
 * the invited email) joins with the existing one.
 */
export async function acceptInvitation(
  ctx: ProvisioningContext,
  input: { token: string; password?: string; name?: string; userId?: string },
) {
  const gone = () => invalid("This invitation has expired or was already used. Ask for a new one.", "token");
  if (!looksLikeToken(input.token)) throw gone();
  const passwordHash = input.password ? await hashPassword(checkPortalPassword(input.password)) : null;
  return ctx.prisma.$transaction(async (tx) => {
    const claimed = await tx.invitation.updateManyAndReturn({
      where: { tokenHash: hashToken(input.token), acceptedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date() },
    });
    if (!claimed.length) throw gone();
    const inv = claimed[0];
    let user = await tx.user.findUnique({ where: { email: inv.email }, select: { id: true, email: true } });
    if (user) {
      if (input.userId !== user.id) {
        throw new ProvisioningError("forbidden", `Sign in as ${inv.email} to accept this invitation`);
      }
    } else {
      if (!passwordHash) throw invalid("Choose a password", "password");
      // The invitation came by mail to this address: it is verified.
      user = await tx.user.create({
        data: { email: inv.email, name: input.name?.trim() || null, passwordHash, emailVerifiedAt: new Date() },
        select: { id: true, email: true },
      });
    }
    await tx.membership.create({
      data: { userId: user.id, tenantId: inv.tenantId, role: inv.role, mailboxId: inv.mailboxId },
    });
    await audit({ ...ctx, actor: `user:${user.id}` }, tx, {
      tenantId: inv.tenantId,
      action: "invitation.accept",
      target: inv.email,
      data: { role: inv.role },
    });
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: inv.tenantId }, select: { slug: true } });
    return { user, tenantSlug: tenant.slug };
  });
}

export async function listTeam(ctx: ProvisioningContext, tenantId: string) {
  const [members, invitations] = await Promise.all([
    ctx.prisma.membership.findMany({
      where: { tenantId },
      include: { user: { select: { id: true, email: true, name: true } } },
      orderBy: { createdAt: "asc" },
    }),
    ctx.prisma.invitation.findMany({
      where: { tenantId, acceptedAt: null, expiresAt: { gt: new Date() } },
      omit: { tokenHash: true },
      orderBy: { createdAt: "desc" },
    }),
  ]);
  return { members, invitations };
}

export async function revokeInvitation(ctx: ProvisioningContext, input: { tenantId: string; id: string }) {
  const inv = await ctx.prisma.invitation.findFirst({ where: { id: input.id, tenantId: input.tenantId } });
  if (!inv) throw notFound("No such invitation");
  await ctx.prisma.$transaction(async (tx) => {
    await tx.invitation.delete({ where: { id: inv.id } });
    await audit(ctx, tx, { tenantId: input.tenantId, action: "invitation.revoke", target: inv.email });
  });
}

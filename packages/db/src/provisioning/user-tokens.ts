// Password-reset and email-verification links. The caller mails the link
// (or logs it for the operator when no relay is configured); only the
// token's hash is stored, and a token works once, before it expires.
import { hashPassword } from "../passwords.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid } from "./errors.ts";
import { checkPortalPassword } from "./signup.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";

export type UserTokenPurpose = "reset" | "verify";
export const RESET_TTL_MS = 60 * 60 * 1000;
export const VERIFY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

async function issue(ctx: ProvisioningContext, userId: string, purpose: UserTokenPurpose, ttlMs: number) {
  const { token, tokenHash } = newToken();
  await ctx.prisma.userToken.create({
    data: { userId, purpose, tokenHash, expiresAt: new Date(Date.now() + ttlMs) },
  });
  return token;
}

/**
 * A reset link for this email, or null when no such account exists. The
 * portal answers the same either way, so the form does not tell who has an
 * account.
 */
export async function requestPasswordReset(ctx: ProvisioningContext, email: string) {
  const user = await ctx.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user) return null;
  const token = await issue(ctx, user.id, "reset", RESET_TTL_MS);
  return { token, email: user.email };
}

export async function issueEmailVerification(ctx: ProvisioningContext, userId: string) {
  return issue(ctx, userId, "verify", VERIFY_TTL_MS);
}

const EXPIRED = "This link has expired or was already used. Ask for a new one.";

/** Spend a token: marks it used in the same statement that checks it, so two clicks cannot both pass. */
async function spend(tx: Pick<ProvisioningContext["prisma"], "userToken">, token: string, purpose: UserTokenPurpose) {
  if (!looksLikeToken(token)) throw invalid(EXPIRED, "token");
  const claimed = await tx.userToken.updateManyAndReturn({
    where: { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  if (!claimed.length) throw invalid(EXPIRED, "token");
  return claimed[0];
}

/** Whether a reset link still works (for the form page; spending happens on submit). */
export async function resetTokenIsValid(ctx: ProvisioningContext, token: string): Promise<boolean> {
  if (!looksLikeToken(token)) return false;
  const row = await ctx.prisma.userToken.findUnique({ where: { tokenHash: hashToken(token) } });
  return Boolean(row && row.purpose === "reset" && !row.usedAt && row.expiresAt > new Date());
}

export async function resetPassword(ctx: ProvisioningContext, token: string, password: string) {
  checkPortalPassword(password);
  const passwordHash = await hashPassword(password);
  return ctx.prisma.$transaction(async (tx) => {
    const t = await spend(tx, token, "reset");
    // The link came by mail, so following it proves the address too.
    const user = await tx.user.update({
      where: { id: t.userId },
      data: { passwordHash, emailVerifiedAt: new Date() },
      select: { id: true, email: true },
    });
    // Other outstanding reset links stop working with this one.
    await tx.userToken.updateMany({
      where: { userId: user.id, purpose: "reset", usedAt: null },
      data: { usedAt: new Date() },
    });
    await audit({ ...ctx, actor: `user:${user.id}` }, tx, {
      tenantId: null,
      action: "user.password_reset",
      target: user.id,
    });
    return user;
  });
}

export async function verifyEmail(ctx: ProvisioningContext, token: string) {
  return ctx.prisma.$transaction(async (tx) => {
    const t = await spend(tx, token, "verify");
    return tx.user.update({
      where: { id: t.userId },
      data: { emailVerifiedAt: new Date() },
      select: { id: true, email: true },
    });
  });
}

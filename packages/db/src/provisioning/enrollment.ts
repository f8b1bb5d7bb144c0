// QR onboarding: a single-use link, valid 15 minutes, that puts one phone on
// the air. Opening it creates the device and its app password in the same
// transaction that marks the link used, so a link opened twice (or by two
// phones at once) issues exactly one password.
import { generateAppPassword, hashPassword } from "../passwords.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { PLATFORMS, type Platform } from "./devices.ts";
import { notFound } from "./errors.ts";
import { hashToken, looksLikeToken, newToken } from "./tokens.ts";
import { checkName } from "./validate.ts";

export const ENROLLMENT_TTL_MS = 15 * 60 * 1000;

export interface CreateEnrollmentInput {
  tenantId: string;
  mailboxId: string;
  /** The device's name, e.g. "Ana's iPhone". */
  name: string;
  /** "user:<id>" of whoever asked for the link. */
  createdBy: string;
}

export async function createEnrollment(ctx: ProvisioningContext, input: CreateEnrollmentInput) {
  const name = checkName(input.name, "name", 80);
  const mailbox = await ctx.prisma.mailbox.findFirst({ where: { id: input.mailboxId, tenantId: input.tenantId } });
  if (!mailbox) throw notFound("No such mailbox in this workspace");
  const { token, tokenHash } = newToken();
  const expiresAt = new Date(Date.now() + ENROLLMENT_TTL_MS);
  const row = await ctx.prisma.$transaction(async (tx) => {
    const e = await tx.enrollmentToken.create({
      data: { tokenHash, mailboxId: mailbox.id, name, createdBy: input.createdBy, expiresAt },
      select: { id: true, expiresAt: true },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: "enrollment.create",
      target: mailbox.address,
      data: { name, enrollmentId: e.id },
    });
    return e;
  });
  return { id: row.id, token, expiresAt: row.expiresAt, mailbox: { id: mailbox.id, address: mailbox.address } };
}

export type RedeemResult =
  | {
      ok: true;
      password: string;
      device: { id: string; name: string; platform: string };
      mailbox: { id: string; address: string; displayName: string | null };
      tenant: { id: string; name: string; slug: string };
    }
  | { ok: false; reason: "unknown" | "used" | "expired" };

/** Spend an enrollment link: create the device and return its app password (shown once). */
export async function redeemEnrollment(
  ctx: ProvisioningContext,
  input: { token: string; platform: string },
): Promise<RedeemResult> {
  if (!looksLikeToken(input.token)) return { ok: false, reason: "unknown" };
  const tokenHash = hashToken(input.token);
  const platform = (PLATFORMS as readonly string[]).includes(input.platform) ? (input.platform as Platform) : "other";
  // The slow hash first, outside the transaction; it is thrown away if the link turns out spent.
  const password = generateAppPassword();
  const passwordHash = await hashPassword(password);
  const result = await ctx.prisma.$transaction(async (tx) => {
    // Claim: one statement checks and marks, so of two concurrent opens one wins.
    const claimed = await tx.enrollmentToken.updateManyAndReturn({
      where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (!claimed.length) return null;
    const token = claimed[0];
    const mailbox = await tx.mailbox.findUniqueOrThrow({
      where: { id: token.mailboxId },
      include: { tenant: { select: { id: true, name: true, slug: true } } },
    });
    const device = await tx.device.create({
      data: { tenantId: mailbox.tenantId, mailboxId: mailbox.id, name: token.name, platform, passwordHash },
      select: { id: true, name: true, platform: true },
    });
    await tx.enrollmentToken.update({ where: { id: token.id }, data: { deviceId: device.id } });
    await audit({ ...ctx, actor: token.createdBy ?? ctx.actor }, tx, {
      tenantId: mailbox.tenantId,
      action: "device.enroll",
      target: device.id,
      data: { mailbox: mailbox.address, name: token.name, platform },
    });
    return {
      ok: true as const,
      password,
      device,
      mailbox: { id: mailbox.id, address: mailbox.address, displayName: mailbox.displayName },
      tenant: mailbox.tenant,
    };
  });
  if (result) return result;
  const row = await ctx.prisma.enrollmentToken.findUnique({ where: { tokenHash } });
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: row.usedAt ? "used" : "expired" };
}

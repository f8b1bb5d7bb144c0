import { generateAppPassword, hashPassword } from "../passwords.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import { notify } from "./mailboxes.ts";
import { checkName, normalizeAddress } from "./validate.ts";

export const PLATFORMS = ["ios", "android", "other"] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface AddDeviceInput {
  /** The mailbox, by address. */
  mailbox: string;
  name: string;
  platform?: string;
  /** Restrict to this tenant (the portal always sets it). */
  tenantId?: string;
}

/** Create a device and its app password. The password is returned once and stored only as a hash. */
export async function addDevice(ctx: ProvisioningContext, input: AddDeviceInput) {
  const address = normalizeAddress(input.mailbox, "mailbox");
  const name = checkName(input.name, "name", 80);
  const platform = (input.platform ?? "other").toLowerCase();
  if (!PLATFORMS.includes(platform as Platform))
    throw invalid(`platform must be one of ${PLATFORMS.join(", ")}`, "platform");
  const mailbox = await ctx.prisma.mailbox.findFirst({
    where: { address, ...(input.tenantId ? { tenantId: input.tenantId } : {}) },
  });
  if (!mailbox) throw notFound(`no mailbox ${address}`);
  const password = generateAppPassword();
  const passwordHash = await hashPassword(password);
  const device = await ctx.prisma.$transaction(async (tx) => {
    const d = await tx.device.create({
      data: { tenantId: mailbox.tenantId, mailboxId: mailbox.id, name, platform, passwordHash },
    });
    await audit(ctx, tx, {
      tenantId: mailbox.tenantId,
      action: "device.add",
      target: d.id,
      data: { mailbox: address, name },
    });
    return d;
  });
  const { passwordHash: _omit, ...safe } = device as typeof device & { passwordHash?: string };
  return { device: { ...safe, mailbox: address }, password };
}

export async function listDevices(ctx: ProvisioningContext, input: { mailbox: string; tenantId?: string }) {
  const address = normalizeAddress(input.mailbox, "mailbox");
  const mailbox = await ctx.prisma.mailbox.findFirst({
    where: { address, ...(input.tenantId ? { tenantId: input.tenantId } : {}) },
  });
  if (!mailbox) throw notFound(`no mailbox ${address}`);
  return ctx.prisma.device.findMany({ where: { mailboxId: mailbox.id }, orderBy: { createdAt: "asc" } });
}

/** Revoke a device: its password stops working and the gateway ends its open sessions. */
export async function revokeDevice(ctx: ProvisioningContext, input: { id: string; tenantId?: string }) {
  if (!/^[0-9a-f-]{36}$/i.test(input.id)) throw invalid(`"${input.id}" is not a device id`, "id");
  const device = await ctx.prisma.device.findFirst({
    where: { id: input.id, ...(input.tenantId ? { tenantId: input.tenantId } : {}) },
  });
  if (!device) throw notFound(`no device ${input.id}`);
  if (device.revokedAt) return device;
  return ctx.prisma.$transaction(async (tx) => {
    const d = await tx.device.update({ where: { id: device.id }, data: { revokedAt: new Date() } });
    await audit(ctx, tx, {
      tenantId: device.tenantId,
      action: "device.revoke",
      target: device.id,
      data: { name: device.name },
    });
    await notify(tx, { type: "device.revoked", deviceId: device.id, mailboxId: device.mailboxId });
    return d;
  });
}

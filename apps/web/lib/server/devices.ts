// Adding and revoking phones, for admins (any mailbox of the tenant) and for
// end users (role `user`: only the mailbox their membership names).
import "server-only";
import { createEnrollment, ENROLLMENT_TTL_MS, ProvisioningError, revokeDevice } from "@postern/db/provisioning";
import QRCode from "qrcode";
import { mailSettings } from "@/lib/onboarding/settings";
import { publicUrl } from "./request.ts";
import type { TenantAccess } from "./session.ts";

function mayActOn(access: TenantAccess, mailboxId: string): void {
  if (access.role === "user" && access.mailboxId !== mailboxId) {
    throw new ProvisioningError("forbidden", "You can only add phones for your own mailbox.");
  }
}

export async function startEnrollment(access: TenantAccess, input: { mailboxId: string; name: string }) {
  mayActOn(access, input.mailboxId);
  const e = await createEnrollment(access.ctx, {
    tenantId: access.tenant.id,
    mailboxId: input.mailboxId,
    name: input.name,
    createdBy: `user:${access.user.id}`,
  });
  const url = publicUrl(`/enroll/${e.token}`);
  const qr = await QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M", width: 240 });
  return {
    url,
    qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(qr).toString("base64")}`,
    expiresAt: e.expiresAt.toISOString(),
    minutes: ENROLLMENT_TTL_MS / 60_000,
    address: e.mailbox.address,
    settings: mailSettings(),
  };
}

export async function revokeForAccess(access: TenantAccess, deviceId: string) {
  const device = await access.ctx.prisma.device.findFirst({ where: { id: deviceId, tenantId: access.tenant.id } });
  if (!device) throw new ProvisioningError("notFound", "No such device in this workspace");
  mayActOn(access, device.mailboxId);
  const d = await revokeDevice(access.ctx, { id: deviceId, tenantId: access.tenant.id });
  return { id: d.id };
}

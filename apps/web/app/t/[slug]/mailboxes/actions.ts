"use server";
// Mailbox and device actions. Admins act on any mailbox of their tenant;
// an end user (role `user`) only on their own, checked in lib/server/devices.ts.
import { addMailbox, importMailboxes, updateMailbox } from "@postern/db/provisioning";
import { z } from "zod";
import { tenantAction } from "@/lib/server/action";
import { revokeForAccess, startEnrollment } from "@/lib/server/devices";
import { importFromMicrosoft365 } from "@/lib/server/m365-users";
import { ADMINS, EVERYONE } from "@/lib/server/session";

const opt = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined);

export const addMailboxAction = tenantAction(
  ADMINS,
  z.object({
    address: z.string().trim().min(1, "Enter the mailbox's address").max(254),
    backendId: z.uuid("Choose the mail system this mailbox lives on"),
    login: opt(254),
    password: z.string().max(1000).optional(),
    displayName: opt(120),
  }),
  async ({ ctx, tenant }, f) => {
    const m = await addMailbox(ctx, { tenantId: tenant.id, ...f, password: f.password || undefined });
    return { id: m.id };
  },
);

export const importMailboxesAction = tenantAction(
  ADMINS,
  z.object({
    backendId: z.uuid("Choose the mail system these mailboxes live on"),
    csv: z.string().min(1, "Paste the CSV or choose a file").max(2_000_000, "The file is too big (2 MB at most)"),
  }),
  ({ ctx, tenant }, f) => importMailboxes(ctx, { tenantId: tenant.id, ...f }),
);

export const importM365MailboxesAction = tenantAction(
  ADMINS,
  z.object({ backendId: z.uuid("Choose the Microsoft 365 mail system") }),
  (access, f) => importFromMicrosoft365(access, f.backendId),
);

export const updateMailboxAction = tenantAction(
  ADMINS,
  z.object({
    id: z.uuid(),
    displayName: z.string().trim().max(120).optional(),
    login: z.string().trim().max(254).optional(),
    password: z.string().max(1000).optional(),
  }),
  async ({ ctx, tenant }, f) => {
    await updateMailbox(ctx, {
      tenantId: tenant.id,
      id: f.id,
      displayName: f.displayName,
      login: f.login,
      password: f.password || undefined,
    });
    return { passwordChanged: Boolean(f.password) };
  },
);

export const addDeviceAction = tenantAction(
  EVERYONE,
  z.object({ mailboxId: z.uuid(), name: z.string().trim().min(1, "Name the phone, e.g. “Ana's iPhone”").max(80) }),
  (access, f) => startEnrollment(access, f),
);

export const revokeDeviceAction = tenantAction(EVERYONE, z.object({ id: z.uuid() }), (access, f) =>
  revokeForAccess(access, f.id),
);

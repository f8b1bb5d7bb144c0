"use server";
import { revokeInvitation } from "@postern/db/provisioning";
import { z } from "zod";
import { tenantAction } from "@/lib/server/action";
import { ADMINS } from "@/lib/server/session";
import { invite } from "@/lib/server/team";

export const inviteAction = tenantAction(
  ADMINS,
  z.object({
    email: z.string().trim().min(1, "Enter their email address").max(254),
    role: z.enum(["admin", "user"]),
    mailboxId: z
      .uuid()
      .optional()
      .or(z.literal("").transform(() => undefined)),
  }),
  (access, f) => invite(access, f),
);

export const revokeInvitationAction = tenantAction(ADMINS, z.object({ id: z.uuid() }), async ({ ctx, tenant }, f) => {
  await revokeInvitation(ctx, { tenantId: tenant.id, id: f.id });
  return { id: f.id };
});

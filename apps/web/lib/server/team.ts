// Inviting people to a workspace: the invitation, then the mail (or the log
// line, without a relay). The link is also returned once to the inviter.
import "server-only";
import { createInvitation } from "@postern/db/provisioning";
import { sendPortalMail } from "./mailer.ts";
import { publicUrl } from "./request.ts";
import type { TenantAccess } from "./session.ts";

export async function invite(
  access: TenantAccess,
  input: { email: string; role: "admin" | "user"; mailboxId?: string },
) {
  const { invitation, token } = await createInvitation(access.ctx, {
    tenantId: access.tenant.id,
    email: input.email,
    role: input.role,
    mailboxId: input.mailboxId,
    inviterRole: access.role,
    invitedBy: access.user.id,
  });
  const link = publicUrl(`/invite/${token}`);
  const { sent } = await sendPortalMail({
    kind: "invite",
    to: invitation.email,
    link,
    subject: `${access.user.name ?? access.user.email} invited you to ${access.tenant.name} on Postern`,
    text: `You are invited to ${access.tenant.name} on Postern${input.role === "admin" ? " as an admin" : ""}.\n\nAccept:\n${link}\n\nThe link works for 7 days.`,
  });
  return { email: invitation.email, link, mailed: sent };
}

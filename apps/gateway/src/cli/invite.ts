// `postern invite`: invite someone to a tenant's portal, as the portal's Team
// page does (createInvitation), acting as the tenant's owner. The CLI does
// not mail the link: it prints it, for the admin to pass on.
import { createInvitation, findMailbox, getTenant, INVITATION_TTL_MS } from "@postern/db/provisioning";
import type { CommandDef } from "./commands.ts";
import { UsageError } from "./errors.ts";
import { oneOf } from "./options.ts";
import { portalUrl, portalUrlConfigured } from "./portal-url.ts";

const ROLES = ["admin", "user"] as const;

export const INVITE_COMMAND: CommandDef = {
  name: "invite",
  summary: "Invite someone to a tenant's portal (admin, or user of one mailbox); prints the accept link",
  options: {
    tenant: { type: "string", required: true, help: "tenant slug" },
    email: { type: "string", required: true, help: "their email address" },
    role: { type: "string", required: true, help: "admin|user" },
    mailbox: { type: "string", help: "for --role user: the mailbox whose phones they manage (its address)" },
  },
  async run(ctx, o) {
    const role = oneOf(o.role, ROLES, "role") as (typeof ROLES)[number];
    if (role === "user" && !o.mailbox) throw new UsageError("--role user needs --mailbox ADDRESS");
    if (role === "admin" && o.mailbox)
      throw new UsageError("--mailbox is for --role user (an admin sees every mailbox)");
    const tenant = await getTenant(ctx.prov, String(o.tenant));
    const mailbox = o.mailbox ? await findMailbox(ctx.prov, String(o.mailbox), { tenantId: tenant.id }) : null;
    const { invitation, token } = await createInvitation(ctx.prov, {
      tenantId: tenant.id,
      email: String(o.email),
      role,
      mailboxId: mailbox?.id,
      inviterRole: "owner",
      invitedBy: null,
    });
    const link = portalUrl(`/invite/${token}`);
    const days = INVITATION_TTL_MS / 86_400_000;
    const value = {
      id: invitation.id,
      tenant: tenant.slug,
      email: invitation.email,
      role: invitation.role,
      mailbox: mailbox?.address ?? null,
      expiresAt: invitation.expiresAt,
      link,
    };
    ctx.out(value, () =>
      [
        `invited ${invitation.email} to ${tenant.slug} as ${role}${mailbox ? ` of ${mailbox.address}` : ""}`,
        `Send them this link (works once, for ${days} days):`,
        link,
        ...(portalUrlConfigured() ? [] : ["(NEXTAUTH_URL is not set: the link assumes the portal on this machine)"]),
      ].join("\n"),
    );
  },
};

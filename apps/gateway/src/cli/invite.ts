// `postern invite`: invite someone to a tenant's portal, as the portal's Team
// page does (createInvitation), acting as the tenant's owner. Like the
// portal, it mails the link through Postern's outbox when a mail relay is
// configured (POSTERN_MAIL_RELAY_URL; a gateway relays it), and always
// prints it, for the admin to pass on as well.
import { createInvitation, findMailbox, getTenant, INVITATION_TTL_MS, queueSystemMail } from "@postern/db/provisioning";
import MailComposer from "nodemailer/lib/mail-composer";
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
    let mailed = false;
    if (process.env.POSTERN_MAIL_RELAY_URL) {
      // As the portal words it (apps/web/lib/server/team.ts), from its sender; no inviting person: the CLI acts as the owner.
      const from = process.env.POSTERN_MAIL_FROM || "Postern <no-reply@localhost>";
      const raw = await new MailComposer({
        from,
        to: invitation.email,
        subject: `You are invited to ${tenant.name} on Postern`,
        text: `You are invited to ${tenant.name} on Postern${role === "admin" ? " as an admin" : ""}.\n\nAccept:\n${link}\n\nThe link works for ${days} days.`,
        headers: { "Auto-Submitted": "auto-generated" },
      })
        .compile()
        .build();
      await queueSystemMail(ctx.prov, { from, to: invitation.email, raw });
      mailed = true;
    }
    const value = {
      id: invitation.id,
      tenant: tenant.slug,
      email: invitation.email,
      role: invitation.role,
      mailbox: mailbox?.address ?? null,
      expiresAt: invitation.expiresAt,
      link,
      /** Queued in the outbox for a gateway to relay (POSTERN_MAIL_RELAY_URL set). */
      mailed,
    };
    ctx.out(value, () =>
      [
        `invited ${invitation.email} to ${tenant.slug} as ${role}${mailbox ? ` of ${mailbox.address}` : ""}`,
        mailed
          ? `Mailed to them through the outbox; the link (works once, for ${days} days):`
          : `Send them this link (works once, for ${days} days):`,
        link,
        ...(portalUrlConfigured() ? [] : ["(NEXTAUTH_URL is not set: the link assumes the portal on this machine)"]),
      ].join("\n"),
    );
  },
};

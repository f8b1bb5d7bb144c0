// Mail the portal sends people (password reset, email verification,
// invitations). With POSTERN_MAIL_RELAY_URL set (smtp://user:pass@host:587 or
// smtps://…:465) it goes through that relay with nodemailer; without one the
// link is written to the log at info level for the operator to pass on.
import "server-only";
import nodemailer from "nodemailer";
import { log } from "./log.ts";

export interface PortalMail {
  to: string;
  subject: string;
  text: string;
  /** The link the mail carries: what the operator needs when no relay is configured. */
  link: string;
  kind: "reset" | "verify" | "invite";
}

export async function sendPortalMail(mail: PortalMail): Promise<{ sent: boolean }> {
  const relay = process.env.POSTERN_MAIL_RELAY_URL;
  if (!relay) {
    log("info", "no mail relay configured (POSTERN_MAIL_RELAY_URL): pass this link on", {
      kind: mail.kind,
      to: mail.to,
      link: mail.link,
    });
    return { sent: false };
  }
  try {
    const transport = nodemailer.createTransport(relay);
    await transport.sendMail({
      from: process.env.POSTERN_MAIL_FROM || "Postern <no-reply@localhost>",
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
    return { sent: true };
  } catch (err) {
    log("warn", "mail relay refused the message; pass this link on", {
      kind: mail.kind,
      to: mail.to,
      link: mail.link,
      error: (err as Error).message,
    });
    return { sent: false };
  }
}

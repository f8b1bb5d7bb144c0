// Mail the portal sends people (password reset, email verification,
// invitations). With POSTERN_MAIL_RELAY_URL set (smtp://user:pass@host:587 or
// smtps://…:465) it goes out through Postern's own outbound path: composed
// here, committed to the outbox, and relayed by the gateway's delivery worker
// through that relay, with its retries and backoff (a relay that is down
// for a while delays the mail, it does not lose it). Without a relay the
// link is written to the log at info level for the operator to pass on.
import "server-only";
import { queueSystemMail } from "@postern/db/provisioning";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { provisioningContext } from "./context.ts";
import { log } from "./log.ts";

export interface PortalMail {
  to: string;
  subject: string;
  text: string;
  /** The link the mail carries: what the operator needs when no relay is configured. */
  link: string;
  kind: "reset" | "verify" | "invite";
}

const DEFAULT_FROM = "Postern <no-reply@localhost>";

export async function sendPortalMail(mail: PortalMail): Promise<{ sent: boolean }> {
  if (!process.env.POSTERN_MAIL_RELAY_URL) {
    log("info", "no mail relay configured (POSTERN_MAIL_RELAY_URL): pass this link on", {
      kind: mail.kind,
      to: mail.to,
      link: mail.link,
    });
    return { sent: false };
  }
  const from = process.env.POSTERN_MAIL_FROM || DEFAULT_FROM;
  try {
    const raw = await new MailComposer({
      from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      headers: { "Auto-Submitted": "auto-generated" },
    })
      .compile()
      .build();
    const id = await queueSystemMail(await provisioningContext("system"), { from, to: mail.to, raw });
    log("info", "mail queued in the outbox", { kind: mail.kind, to: mail.to, outbox: id });
    return { sent: true };
  } catch (err) {
    log("warn", "could not queue the mail; pass this link on", {
      kind: mail.kind,
      to: mail.to,
      link: mail.link,
      error: (err as Error).message,
    });
    return { sent: false };
  }
}

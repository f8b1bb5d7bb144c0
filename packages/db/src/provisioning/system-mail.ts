// Postern's own mail to people — email verification, password reset,
// invitations — goes out the way phones' mail does: committed to the outbox
// here, then relayed by a gateway's delivery worker with its retries and
// backoff (apps/gateway/src/outbox). Such a row has no mailbox: the gateway
// relays it through the operator's relay (POSTERN_MAIL_RELAY_URL), keeps no
// Sent copy, and logs, rather than bounces, a failure (there is no INBOX to
// put a bounce in).
import { createHash, randomUUID } from "node:crypto";
import type { ProvisioningContext } from "./context.ts";
import { notify } from "./mailboxes.ts";

export interface SystemMail {
  /** The From: header's value (`Postern <no-reply@example.com>` or a bare address); its address is the envelope sender. */
  from: string;
  to: string;
  /** The whole RFC 5322 message, as it is to be relayed. */
  raw: Buffer;
}

/** The bare address of a From: value such as `Postern <no-reply@example.com>`. */
function envelopeSender(from: string): string {
  return (/<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}

/** Octets of the header block, through the blank line (the blob's headerSize). */
function headerSize(raw: Buffer): number {
  const end = raw.indexOf("\r\n\r\n");
  if (end >= 0) return end + 4;
  const lf = raw.indexOf("\n\n");
  return lf >= 0 ? lf + 2 : raw.length;
}

/** Queue `mail` in the outbox; when this returns it survives a crash. Returns the outbox id. */
export async function queueSystemMail(ctx: ProvisioningContext, mail: SystemMail): Promise<string> {
  const id = randomUUID();
  const blobId = createHash("sha256").update(mail.raw).digest("hex");
  await ctx.prisma.$transaction(async (tx) => {
    await tx.blob.upsert({
      where: { id: blobId },
      create: { id: blobId, size: mail.raw.length, headerSize: headerSize(mail.raw), data: new Uint8Array(mail.raw) },
      update: { lastUsedAt: new Date() },
    });
    await tx.outboundMessage.create({
      data: {
        id,
        mailboxId: null,
        envelopeFrom: envelopeSender(mail.from),
        recipients: [mail.to.toLowerCase()],
        blobId,
        size: mail.raw.length,
        // Nobody's Sent folder to file it in.
        sentCopySaved: true,
      },
    });
    // A gateway's delivery worker sends it now rather than at its next look.
    await notify(tx, { type: "outbox.queued", id });
  });
  return id;
}

// The bounce: an RFC 3464 delivery status notification, put straight into
// the sender's INBOX (it is never sent anywhere). multipart/report
// (RFC 6522) with report-type=delivery-status: a part for people, the
// machine-readable message/delivery-status (per-message fields, then one
// block per failed recipient), and the original message's header as
// text/rfc822-headers, so a client can show what bounced.
import { randomUUID } from "node:crypto";
import { rfc5322Date } from "../smtp/message.ts";

export interface FailedRecipient {
  recipient: string;
  /** RFC 3463 status, 5.x.x. */
  status: string;
  /** The relay's reply, or our words when it could not be reached. */
  reply: string;
  /** The relay host that answered, when one did. */
  remoteMta?: string;
  lastAttempt: Date;
}

export interface BounceInput {
  /** This server's name (Reporting-MTA, the From: domain). */
  host: string;
  /** The outbox id (X-Postern-Queue-ID). */
  queueId: string;
  /** The mailbox the bounce is for (its To:). */
  to: string;
  arrival: Date;
  /** Subject of the original, as sent (encoded words stay encoded). */
  subject: string | null;
  originalMessageId: string | null;
  /** The original's header block, as relayed. */
  originalHeader: Buffer;
  recipients: FailedRecipient[];
  /** True when the retry period ran out (the human text says so). */
  expired: boolean;
  now: Date;
}

/** Long subjects are cut so the Subject line stays far below RFC 5322's 998 octets. */
const MAX_SUBJECT_CHARS = 400;

/** A diagnostic is one line: a reply can span several ("550-…" continuation lines). */
function oneLine(s: string): string {
  return s
    .replace(/[\r\n]+/g, " ")
    .replace(/[^\x20-\x7e]/g, "?")
    .trim();
}

export function buildBounce(b: BounceInput): Buffer {
  const boundary = `postern-dsn-${randomUUID()}`;
  const subject = b.subject ? b.subject.slice(0, MAX_SUBJECT_CHARS) : "(no subject)";
  const header = [
    `From: Mail Delivery System <MAILER-DAEMON@${b.host}>`,
    `To: <${b.to}>`,
    `Subject: Undelivered Mail: ${subject}`,
    `Date: ${rfc5322Date(b.now)}`,
    `Message-ID: <${randomUUID()}@${b.host}>`,
    ...(b.originalMessageId ? [`In-Reply-To: ${b.originalMessageId}`, `References: ${b.originalMessageId}`] : []),
    // RFC 3834 §5: a DSN is auto-replied, so no auto-responder answers it.
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
  ];
  const human = [
    `This is the mail system at ${b.host}.`,
    "",
    b.expired
      ? "Your message could not be delivered: the mail server could not be reached, or kept refusing it for now, until Postern gave up."
      : "Your message could not be delivered to the following recipients. The mail server refused it:",
    "",
    ...b.recipients.map((r) => `<${r.recipient}>: ${oneLine(r.reply)}`),
    "",
    "The headers of your message are attached.",
  ];
  const perMessage = [
    `Reporting-MTA: dns; ${b.host}`,
    `X-Postern-Queue-ID: ${b.queueId}`,
    `Arrival-Date: ${rfc5322Date(b.arrival)}`,
  ];
  const perRecipient = b.recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.recipient}`,
      "Action: failed",
      `Status: ${r.status}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta}`] : []),
      // "smtp" diagnostic type: the relay's reply as it was given (RFC 3464 §2.3.6).
      `Diagnostic-Code: ${r.remoteMta ? "smtp" : "x-postern"}; ${oneLine(r.reply)}`,
      `Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`,
    ].join("\r\n"),
  );
  const before = [
    header.join("\r\n"),
    "",
    "This is a delivery status notification in MIME format (RFC 3464).",
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "Content-Description: Notification",
    "",
    human.join("\r\n"),
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "Content-Description: Delivery report",
    "",
    [perMessage.join("\r\n"), ...perRecipient].join("\r\n\r\n"),
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "Content-Description: Undelivered message headers",
    "",
    "",
  ].join("\r\n");
  // The original header's bytes as they were (it may hold raw UTF-8), without its empty line.
  let end = b.originalHeader.length;
  while (end > 0 && (b.originalHeader[end - 1] === 0x0a || b.originalHeader[end - 1] === 0x0d)) end--;
  return Buffer.concat([
    Buffer.from(before, "utf8"),
    b.originalHeader.subarray(0, end),
    Buffer.from(`\r\n\r\n--${boundary}--\r\n`, "utf8"),
  ]);
}

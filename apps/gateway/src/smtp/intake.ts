// The mail transaction of a submission session: MAIL FROM (authenticated,
// a sender the mailbox owns, under its size and hourly limits), RCPT TO
// (up to the recipient limit; any destination, since the user is known),
// DATA (the From:/Sender: header checked, the message made ready and
// committed to the outbox before `250` is answered). Never an open relay:
// nothing gets past MAIL without AUTH.
import { randomUUID } from "node:crypto";
import { readHeader } from "@postern/protocol";
import type pg from "pg";
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { deviceSendState, enqueue } from "../outbox/queue.ts";
import type { SubmissionUser } from "./auth.ts";
import type { SmtpLimits } from "./limits.ts";
import { prepareMessage } from "./message.ts";
import { refuse, type SmtpRefusal } from "./replies.ts";

export interface IntakeDeps {
  pool: pg.Pool;
  limits: SmtpLimits;
  log: Log;
  metrics: Metrics;
  /** This server's name, for the trace field. */
  host: string;
  /** Temporary failures are retried this long (stored with the message). */
  retryPeriodMs: number;
  /** A message was committed: wake the delivery worker (and say whether a Sent copy is owed). */
  accepted(id: string, sentCopyOwed: boolean): void;
}

export class SubmissionIntake {
  constructor(private readonly d: IntakeDeps) {}

  async mailFrom(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const user = this.user(session);
    const sender = address.address.toLowerCase();
    // The null sender (<>) is for bounces, which phones do not send.
    if (!user.owned.has(sender)) throw this.refused(refuse.senderNotOwned(address.address));
    const declared = address.args ? Number(address.args.SIZE) : Number.NaN;
    if (declared > user.maxMessageBytes) throw this.refused(refuse.messageTooBig(user.maxMessageBytes));
    let state: Awaited<ReturnType<typeof deviceSendState>>;
    try {
      state = await deviceSendState(this.d.pool, user.mailboxId, user.deviceId);
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message, proto: "smtp" }, "could not check the device's sending limit");
      throw this.refused(refuse.temporaryFailure());
    }
    if (state.revoked) throw this.refused(refuse.deviceRevoked());
    if (state.lastHour >= this.d.limits.messagesPerDevicePerHour)
      throw this.refused(refuse.deviceHourlyLimit(this.d.limits.messagesPerDevicePerHour));
  }

  rcptTo(address: SMTPServerAddress, session: SMTPServerSession): void {
    this.user(session);
    const rcpts = session.envelope.rcptTo;
    const again = rcpts.some((r) => r.address.toLowerCase() === address.address.toLowerCase());
    if (!again && rcpts.length >= this.d.limits.maxRecipients)
      throw this.refused(refuse.tooManyRecipients(this.d.limits.maxRecipients));
  }

  /** Read the message, check it, commit it; resolves with the `250` text. */
  async data(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const user = this.user(session);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Past the limit the rest is read and dropped: the reply comes after the final dot.
        if (size <= user.maxMessageBytes) chunks.push(chunk);
      }
    } catch {
      // The client went away mid-message (smtp-server fails the stream): nothing is stored.
      throw this.refused(refuse.aborted());
    }
    if (size > user.maxMessageBytes || stream.sizeExceeded)
      throw this.refused(refuse.messageTooBig(user.maxMessageBytes));
    const id = randomUUID();
    const now = new Date();
    const msg = prepareMessage(Buffer.concat(chunks, Math.min(size, user.maxMessageBytes)), {
      helo: session.hostNameAppearsAs,
      clientIp: session.remoteAddress,
      host: this.d.host,
      protocol: session.transmissionType || "ESMTPSA",
      id,
      now,
    });
    if (!msg.from.length) throw this.refused(refuse.fromMissing());
    for (const [field, list] of [
      ["From", msg.from],
      ["Sender", msg.sender],
    ] as const) {
      const stranger = list.find((a) => !user.owned.has(a));
      if (stranger) throw this.refused(refuse.fromNotOwned(field, stranger));
    }
    const envelope = session.envelope;
    const recipients = envelope.rcptTo.map((r) => r.address);
    try {
      await enqueue(this.d.pool, {
        id,
        mailboxId: user.mailboxId,
        deviceId: user.deviceId,
        envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : user.address,
        recipients,
        relayed: { raw: msg.relayed, headerSize: readHeader(msg.relayed, 0).headerEnd },
        sentCopy: user.relaySavesSent ? null : { raw: msg.original, headerSize: readHeader(msg.original, 0).headerEnd },
        retryUntil: new Date(now.getTime() + this.d.retryPeriodMs),
      });
    } catch (err) {
      this.d.log.error(
        { err: (err as Error).message, proto: "smtp", conn: session.id },
        "could not store a submission",
      );
      throw this.refused(refuse.temporaryFailure());
    }
    this.d.metrics.smtpSubmissions.inc({ result: "accepted", reason: "" });
    this.d.log.info(
      {
        proto: "smtp",
        conn: session.id,
        outbox: id,
        mailbox: user.mailboxId,
        device: user.deviceId,
        size: msg.relayed.length,
        recipients: recipients.length,
      },
      "submission accepted",
    );
    this.d.accepted(id, !user.relaySavesSent);
    return `2.0.0 Ok: queued as ${id}`;
  }

  private user(session: SMTPServerSession): SubmissionUser {
    // smtp-server refuses MAIL/RCPT/DATA before AUTH itself; this holds if that ever changes.
    const user = session.user as SubmissionUser | undefined;
    if (!user) throw this.refused(refuse.authRequired());
    return user;
  }

  /** Count a refusal and hand it back for throwing. */
  refused(r: SmtpRefusal): SmtpRefusal {
    this.d.metrics.smtpSubmissions.inc({ result: "refused", reason: r.reason });
    this.d.log.info({ proto: "smtp", reason: r.reason, code: r.responseCode }, "submission refused");
    return r;
  }
}

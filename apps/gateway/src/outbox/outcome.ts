// What one relay attempt means for each recipient, and so for the message:
// accepted → sent; refused with 5xx → failed (a bounce is owed); refused
// with 4xx, or the relay unreachable → deferred, retried with backoff until
// the retry period ends, then failed as "delivery time expired".
import type { AttemptRecord, LeasedMessage, RecipientStatus } from "./queue.ts";
import type { SendResult } from "./relay.ts";
import { backoffMs, type OutboxSchedule } from "./schedule.ts";

const ENHANCED = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/;

/** RFC 3463 status of a reply: its enhanced code, else the class of its reply code. */
export function statusOf(reply: string, code: number | null, fallbackClass: 2 | 4 | 5): string {
  const m = ENHANCED.exec(reply);
  if (m) return m[1];
  const cls = code && code >= 200 && code < 600 ? Math.floor(code / 100) : fallbackClass;
  return `${cls}.0.0`;
}

/** A deferred recipient's status must read as temporary even when the relay's code did not. */
function asTemporary(status: string): string {
  return status.startsWith("5.") ? `4.${status.slice(2)}` : status;
}

/** Per-recipient results of one attempt for the recipients it was sent to. */
export function recipientResults(pending: string[], result: SendResult, at: Date): Record<string, RecipientStatus> {
  const when = at.toISOString();
  const refused = new Map(result.rejected.map((r) => [r.recipient.toLowerCase(), r]));
  const out: Record<string, RecipientStatus> = {};
  for (const rcpt of pending) {
    const r = refused.get(rcpt.toLowerCase());
    if (r) {
      const permanent = r.code >= 500;
      const status = statusOf(r.reply, r.code, permanent ? 5 : 4);
      out[rcpt] = {
        state: permanent ? "failed" : "deferred",
        reply: r.reply,
        status: permanent ? status : asTemporary(status),
        at: when,
      };
    } else if (result.ok) {
      out[rcpt] = { state: "sent", reply: result.response, status: statusOf(result.response, 250, 2), at: when };
    } else {
      // The whole transaction failed: MAIL FROM or DATA refused, or no connection at all.
      const permanent = result.stage !== "connection" && (result.code ?? 0) >= 500;
      const status = result.stage === "connection" && !result.code ? "4.4.1" : statusOf(result.reply, result.code, 4);
      out[rcpt] = {
        state: permanent ? "failed" : "deferred",
        reply: result.reply,
        status: permanent ? status : asTemporary(status),
        at: when,
      };
    }
  }
  return out;
}

/** Recipients not yet delivered or failed. */
export function pendingRecipients(msg: Pick<LeasedMessage, "recipients" | "recipientStatus">): string[] {
  return msg.recipients.filter((r) => {
    const s = msg.recipientStatus[r]?.state;
    return s !== "sent" && s !== "failed";
  });
}

/** The row's next state after an attempt whose per-recipient results are `fresh`. */
export function decide(
  msg: LeasedMessage,
  fresh: Record<string, RecipientStatus>,
  result: SendResult,
  schedule: Pick<OutboxSchedule, "backoffBaseMs" | "backoffMaxMs">,
  now: Date,
): AttemptRecord {
  const merged = { ...msg.recipientStatus, ...fresh };
  let deferred = msg.recipients.filter((r) => merged[r]?.state !== "sent" && merged[r]?.state !== "failed");
  let nextAttemptAt: Date | null = null;
  let expired = false;
  if (deferred.length) {
    if (now.getTime() >= msg.retryUntil.getTime()) {
      // The retry period is over: what is still deferred fails as "delivery time expired" (RFC 3463 X.4.7).
      for (const r of deferred) {
        const last = merged[r];
        fresh[r] = {
          state: "failed",
          reply: last?.reply ?? "no attempt succeeded",
          status: "5.4.7",
          at: now.toISOString(),
        };
        merged[r] = fresh[r];
      }
      deferred = [];
      expired = true;
    } else {
      // The last try falls on the end of the retry period, not after it.
      const next = Math.min(now.getTime() + backoffMs(schedule, msg.attempts), msg.retryUntil.getTime());
      nextAttemptAt = new Date(next);
    }
  }
  const anySent = msg.recipients.some((r) => merged[r]?.state === "sent");
  const freshFailures = Object.values(fresh).filter((s) => s.state === "failed");
  const problem = Object.values(fresh).find((s) => s.state !== "sent");
  let state: AttemptRecord["state"];
  if (deferred.length) state = "queued";
  else if (anySent) state = "sent";
  // Nobody got it: "bounced" when the relay said no, "failed" when Postern gave up trying.
  else state = expired ? "failed" : "bounced";
  return {
    state,
    nextAttemptAt,
    recipientStatus: fresh,
    relayResponse: result.ok ? result.response : null,
    lastError: problem ? problem.reply : null,
    bounceOwed: freshFailures.length > 0,
  };
}

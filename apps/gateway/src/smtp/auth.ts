// AUTH PLAIN / LOGIN for submission: the mailbox address and a device app
// password, verified by the same DeviceAuth as IMAP (its cache, delays and
// per-address / per-IP limits), plus what a sending session needs to know
// about the mailbox: the addresses it owns and its backend's send settings.
import type pg from "pg";
import type { SMTPServerAuthentication, SMTPServerSession } from "smtp-server";
import type { DeviceAuth } from "../auth/devices.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { messageLimitFor, type SmtpLimits } from "./limits.ts";
import { refuse, type SmtpRefusal } from "./replies.ts";

/** session.user of an authenticated submission session. */
export interface SubmissionUser {
  deviceId: string;
  mailboxId: string;
  address: string;
  /** The mailbox address and its aliases, lower-cased: the only senders allowed. */
  owned: Set<string>;
  maxMessageBytes: number;
  /** The backend files what its relay sends into Sent itself: Postern saves no copy. */
  relaySavesSent: boolean;
}

export interface SubmissionAuthDeps {
  pool: pg.Pool;
  devices: DeviceAuth;
  limits: SmtpLimits;
  log: Log;
  metrics: Metrics;
}

/** Failed AUTH attempts per connection (the session object lives as long as the connection). */
const failures = new WeakMap<SMTPServerSession, number>();

export async function authenticate(
  auth: SMTPServerAuthentication,
  session: SMTPServerSession,
  d: SubmissionAuthDeps,
): Promise<SubmissionUser> {
  const fail = (refusal: SmtpRefusal): never => {
    d.metrics.authFailures.inc({ protocol: "smtp", reason: refusal.reason });
    d.metrics.smtpSubmissions.inc({ result: "refused", reason: refusal.reason });
    throw refusal;
  };
  // RFC 4616: an authorization identity other than the login would be "send as someone else".
  if (auth.authzid && auth.authcid && auth.authzid.toLowerCase() !== auth.authcid.toLowerCase())
    return fail(refuse.authInvalid());
  const verified = await d.devices
    .verify(auth.username ?? "", auth.password ?? "", {
      ip: session.remoteAddress,
      protocol: "smtp",
      clientName: session.hostNameAppearsAs || undefined,
    })
    .catch((err: Error) => {
      d.log.warn({ err: err.message, proto: "smtp" }, "authentication could not be checked");
      return fail(refuse.authUnavailable());
    });
  if (!verified.ok) {
    if (verified.reason === "rateLimited") return fail(refuse.authRateLimited());
    const n = (failures.get(session) ?? 0) + 1;
    failures.set(session, n);
    return fail(n >= d.limits.authFailuresPerConnection ? refuse.authFailures() : refuse.authInvalid());
  }
  const m = verified.mailbox;
  const r = await d.pool.query(
    "SELECT b.options FROM mailbox m JOIN backend b ON b.id = m.backend_id WHERE m.id = $1",
    [m.id],
  );
  const options = (r.rows[0]?.options ?? {}) as Record<string, unknown>;
  d.metrics.logins.inc({ protocol: "smtp" });
  d.log.info({ proto: "smtp", conn: session.id, mailbox: m.id, device: verified.deviceId }, "smtp login");
  return {
    deviceId: verified.deviceId,
    mailboxId: m.id,
    address: m.address,
    owned: new Set([m.address, ...m.aliases].map((a) => a.toLowerCase())),
    maxMessageBytes: messageLimitFor(d.limits, options),
    relaySavesSent: options.relaySavesSent === true,
  };
}

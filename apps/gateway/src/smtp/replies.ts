// Every refusal submission answers, with its reply code, its RFC 3463
// enhanced status code and a text a person can act on, in one table. A hook
// throws (or calls back with) an SmtpRefusal; SubmissionConnection
// (connection.ts) puts the enhanced code where smtp-server would put its own
// guess, and the reason labels the refusal metric.

export type RefusalReason =
  | "auth_required"
  | "tls_required"
  | "auth_invalid"
  | "auth_rate_limited"
  | "auth_failures"
  | "auth_unavailable"
  | "device_revoked"
  | "sender_not_owned"
  | "from_not_owned"
  | "from_missing"
  | "too_many_recipients"
  | "message_too_big"
  | "device_hourly_limit"
  | "aborted"
  | "temporary_failure";

export class SmtpRefusal extends Error {
  /** Read by smtp-server as the reply code. */
  readonly responseCode: number;

  constructor(
    readonly reason: RefusalReason,
    code: number,
    readonly enhancedCode: string,
    readonly text: string,
  ) {
    // The enhanced code leads the message; connection.ts moves it into place.
    super(`${enhancedCode} ${text}`);
    this.responseCode = code;
  }
}

export const refuse = {
  /** RFC 4954 §6: 530 5.7.0 for a mail transaction without AUTH on a server that requires it. */
  authRequired: () => new SmtpRefusal("auth_required", 530, "5.7.0", "Authentication required"),
  /** RFC 3207 §4: the standard answer to AUTH before STARTTLS where TLS is required. */
  tlsRequired: () => new SmtpRefusal("tls_required", 530, "5.7.0", "Must issue a STARTTLS command first"),
  /** RFC 4954 §6: 535 5.7.8 — a wrong app password, an unknown address and a revoked device look the same. */
  authInvalid: () => new SmtpRefusal("auth_invalid", 535, "5.7.8", "Authentication credentials invalid"),
  /** RFC 4954 §6: 454 4.7.0 "temporary authentication failure" — too many failures from this address or IP. */
  authRateLimited: () =>
    new SmtpRefusal("auth_rate_limited", 454, "4.7.0", "Too many failed logins; try again in a few minutes"),
  /** 421 ends the connection (smtp-server closes on any 421); X.7.0 is the security-policy class. */
  authFailures: () => new SmtpRefusal("auth_failures", 421, "4.7.0", "Too many failed logins on this connection"),
  /** The database did not answer: temporary, so the phone retries. */
  authUnavailable: () => new SmtpRefusal("auth_unavailable", 454, "4.7.0", "Temporary authentication failure"),
  /** The device was revoked after it logged in: as if it had never authenticated (RFC 4954 §6). */
  deviceRevoked: () =>
    new SmtpRefusal("device_revoked", 530, "5.7.0", "Authentication required: this device's access was revoked"),
  /**
   * 553 (RFC 5321: mailbox name not allowed) with X.7.1 "delivery not
   * authorized, message refused" (RFC 3463 §3.8): the address is well-formed
   * but this user may not send as it. Postfix's reject_sender_login_mismatch
   * answers the same.
   */
  senderNotOwned: (address: string) =>
    new SmtpRefusal(
      "sender_not_owned",
      553,
      "5.7.1",
      `Sender address <${address}> is not yours: send from your mailbox address or one of its aliases`,
    ),
  /** The same policy as senderNotOwned, for the From: (or Sender:) header after DATA. */
  fromNotOwned: (field: string, address: string) =>
    new SmtpRefusal(
      "from_not_owned",
      553,
      "5.7.1",
      `${field}: header address ${address} is not yours: send from your mailbox address or one of its aliases`,
    ),
  /**
   * RFC 5322 §3.6 requires a From: with at least one address. Missing, it is
   * a defect of the content, not a matter of permission, so the X.6 (media)
   * class rather than X.7: X.6.0 "other or undefined media error" (RFC 3463
   * §3.7) is the code for a message whose content is unacceptable as it is.
   */
  fromMissing: () =>
    new SmtpRefusal("from_missing", 550, "5.6.0", "The message has no From: header address (RFC 5322 §3.6)"),
  /** RFC 5321 §4.5.3.1.10 and RFC 3463 X.5.3: the client sends the rest in another transaction. */
  tooManyRecipients: (max: number) =>
    new SmtpRefusal("too_many_recipients", 452, "4.5.3", `Too many recipients: at most ${max} per message`),
  /** RFC 1870 §6 and RFC 3463 X.3.4 "message too big for system". */
  messageTooBig: (max: number) =>
    new SmtpRefusal("message_too_big", 552, "5.3.4", `Message too big: the limit is ${max} bytes`),
  /** Temporary (4xx), so the phone keeps the message and tries again later; X.7.1: refused by policy. */
  deviceHourlyLimit: (max: number) =>
    new SmtpRefusal(
      "device_hourly_limit",
      450,
      "4.7.1",
      `This device has sent ${max} messages in the last hour, the most allowed; try again later`,
    ),
  /** The client went away in the middle of DATA: nothing is stored (the reply has nobody to reach). */
  aborted: () => new SmtpRefusal("aborted", 451, "4.3.0", "The message was not received in full"),
  /** The message could not be stored (database down): RFC 3463 X.3.0, the phone retries. */
  temporaryFailure: () =>
    new SmtpRefusal("temporary_failure", 451, "4.3.0", "Could not accept the message just now; try again"),
};

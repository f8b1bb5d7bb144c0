// Every limit SMTP submission enforces, in one place, each with why it is
// what it is and how it is refused. The gateway takes overrides (tests lower
// them); a backend may override the message size (`options.maxMessageBytes`).

export interface SmtpLimits {
  /**
   * Largest message accepted, advertised as SIZE (RFC 1870). 25 MiB is what
   * the big providers take (Gmail, Exchange Online's default send limit is
   * 35 MB of MIME): a photo or two from a phone, base64-encoded, fits.
   * Over it: `552 5.3.4` (RFC 1870 §6, RFC 3463 "message too big for system").
   * A backend's `options.maxMessageBytes` lowers it for its mailboxes; it
   * cannot raise it, since EHLO (before AUTH) already advertised this one.
   */
  maxMessageBytes: number;
  /**
   * Recipients per message. RFC 5321 §4.5.3.1.8 requires at least 100 to be
   * accepted; past it `452 4.5.3`, which clients answer by sending the rest
   * in another transaction (§4.5.3.1.10). A phone never needs more, and a
   * flood of recipients is what a stolen app password is used for.
   */
  maxRecipients: number;
  /**
   * Messages per device per hour (counted in the outbox, so every gateway
   * replica sees the same count). 200 is far above a person typing on a
   * phone and far below what a spammer needs. Over it: `450 4.7.1`
   * (temporary: the phone keeps the message in its outbox and tries later).
   */
  messagesPerDevicePerHour: number;
  /**
   * Open connections from one client IP. Phones on a carrier share addresses
   * behind CGNAT, so this is generous; it stops one host from taking every
   * connection. Over it the connection gets `421 4.7.0` and is closed.
   */
  connectionsPerIp: number;
  /** Open connections in all, per listener: the process's memory and file descriptors. */
  maxConnections: number;
  /**
   * Commands before AUTH succeeds (EHLO, STARTTLS, EHLO, AUTH… is four; the
   * count excludes AUTH itself). smtp-server answers `421` and closes past it.
   */
  commandsBeforeAuth: number;
  /** Failed AUTH attempts on one connection before `421 4.7.0` (the per-address and per-IP limits of auth/ still apply). */
  authFailuresPerConnection: number;
  /** Inactivity before the connection is closed: RFC 5321 §4.5.3.2.7 asks servers to wait at least 5 minutes. */
  idleTimeoutMs: number;
  /** On shutdown, how long a message being received may take to finish before its connection is cut. */
  shutdownGraceMs: number;
}

export const SMTP_LIMITS: SmtpLimits = {
  maxMessageBytes: 25 * 1024 * 1024,
  maxRecipients: 100,
  messagesPerDevicePerHour: 200,
  connectionsPerIp: 50,
  maxConnections: 2000,
  commandsBeforeAuth: 10,
  authFailuresPerConnection: 3,
  idleTimeoutMs: 5 * 60 * 1000,
  shutdownGraceMs: 3000,
};

/** The message size limit for a mailbox whose backend has these options. */
export function messageLimitFor(limits: SmtpLimits, backendOptions: Record<string, unknown>): number {
  const v = Number(backendOptions.maxMessageBytes);
  return Number.isInteger(v) && v > 0 ? Math.min(v, limits.maxMessageBytes) : limits.maxMessageBytes;
}

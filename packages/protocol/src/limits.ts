// Every limit the IMAP server enforces, in one place, each with why it is
// what it is. A client that exceeds one gets a tagged BAD/NO (or * BYE), and
// the session — and the process — survive.

/** Longest command line (without literals). Dovecot's imap_max_line_length is 64 KiB; UID sets from big mailboxes need it. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Largest literal accepted in any command other than APPEND (search strings, passwords, mailbox names). */
export const MAX_LITERAL_BYTES = 64 * 1024;

/** Largest literal before authentication: nothing legitimate there exceeds a SASL PLAIN response. */
export const MAX_LITERAL_BYTES_PREAUTH = 8 * 1024;

/** Largest message APPEND accepts, advertised as APPENDLIMIT (RFC 7889). */
export const APPEND_LIMIT_BYTES = 50 * 1024 * 1024;

/** Everything one command may buffer in total (all lines and literals but an APPEND literal). */
export const MAX_COMMAND_BYTES = 2 * 1024 * 1024;

/** Deepest parenthesised nesting accepted in a command (SEARCH, FETCH sections). Protects the recursive parser. */
export const MAX_NESTING_DEPTH = 16;

/** Bad commands in a row before `* BYE`: a confused or hostile client is cut off (WildDuck's MAX_BAD_COMMANDS is 50). */
export const MAX_BAD_COMMANDS = 20;

/** Commands accepted before authentication; a phone logs in within a handful. */
export const MAX_PREAUTH_COMMANDS = 25;

/** Failed LOGIN/AUTHENTICATE attempts per connection before `* BYE`. */
export const MAX_AUTH_FAILURES_PER_CONNECTION = 3;

/** Inactivity before an unauthenticated connection is closed. */
export const PREAUTH_TIMEOUT_MS = 60 * 1000;

/** RFC 3501 §5.4: the autologout timer must be at least 30 minutes. */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/** RFC 2177: clients re-issue IDLE at least every 29 minutes; end a longer IDLE with BYE (31 minutes). */
export const IDLE_COMMAND_TIMEOUT_MS = 31 * 60 * 1000;

/** Bytes pipelined by a client while a command runs before we stop reading from its socket. */
export const MAX_PIPELINED_BYTES = 1024 * 1024;

/** Longest mailbox name, in bytes of UTF-8. */
export const MAX_MAILBOX_NAME_BYTES = 1024;

/** Deepest mailbox hierarchy. */
export const MAX_MAILBOX_DEPTH = 32;

/** Keywords per message and length of each (flag-keyword atoms). */
export const MAX_KEYWORDS = 64;
export const MAX_KEYWORD_LENGTH = 128;

/**
 * Connection limits, enforced by the gateway's listeners (apps/gateway/src/imap/server.ts)
 * and login hook (imap/auth.ts); overridable there for tests.
 */
export interface ConnectionLimits {
  /**
   * Open IMAP connections per gateway process, over both listeners. An idle
   * session costs about 12 KB (docs/benchmarks.md), so 20,000 is ~250 MB
   * and within the file descriptors a service gets. Over it: `* BYE
   * [UNAVAILABLE]` at once, so the phone tries again (or another replica).
   */
  maxConnections: number;
  /**
   * Open connections from one client IP. Phones share addresses behind
   * carrier NAT and office NAT, and each mail app opens several (one per
   * watched folder), so this is generous; it stops one host from taking
   * every connection. Over it: `* BYE [UNAVAILABLE]` instead of a greeting.
   */
  connectionsPerIp: number;
  /**
   * Logged-in sessions of one mailbox from one client IP: Dovecot's
   * mail_max_userip_connections (default 10) doubled, as a phone and a tablet
   * of one person often share an address. Over it, LOGIN gets `NO [LIMIT]`
   * (not counted as a failed login: the password was right).
   */
  sessionsPerMailboxAndIp: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 20_000,
  connectionsPerIp: 200,
  sessionsPerMailboxAndIp: 20,
};

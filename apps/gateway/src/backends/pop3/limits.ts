// Every limit and interval of the POP3 backend driver, each with its reason.

/** TCP connect plus, for implicit TLS, the handshake; a backend slower than this is treated as down. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** From connect to the server greeting (and for STLS, from +OK to the end of the handshake). */
export const GREETING_TIMEOUT_MS = 15_000;

/**
 * From sending a command (or from the previous response's end, when
 * pipelined) to its status line. PASS and AUTH are the slow ones: Dovecot
 * waits up to 10 s for another session's maildrop lock before answering
 * [IN-USE], and servers delay failed logins by a few seconds on purpose.
 */
export const RESPONSE_TIMEOUT_MS = 60_000;

/**
 * Silence while a response is awaited, multi-line data included: a RETR of
 * a large message may take longer than RESPONSE_TIMEOUT_MS in all, but a
 * server that sends nothing for this long has stalled.
 */
export const IDLE_TIMEOUT_MS = 60_000;

/** How long a QUIT that commits nothing (after a read-only call) is waited for before the socket is dropped. */
export const QUIT_TIMEOUT_MS = 5_000;

/**
 * A status line (greeting included): RFC 2449 §4 caps it at 512 octets with
 * CRLF. Some servers' greetings and error texts run longer, so 8 KiB —
 * still a bound on what a broken or hostile server can make us buffer.
 */
export const MAX_STATUS_LINE_BYTES = 8 * 1024;

/** A line of a CAPA, LIST or UIDL listing (RFC 1939 §7: a UIDL is at most 70 octets). */
export const MAX_LISTING_LINE_BYTES = 1024;

/**
 * A whole CAPA, LIST or UIDL listing: about 25 bytes per message for UIDL,
 * so 64 MiB is some two million messages — far beyond a POP3 maildrop.
 */
export const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * The largest message downloaded. POP3 cannot fetch a part of a message,
 * so a bigger one is skipped (and logged) rather than held in memory; it
 * stays on the server.
 */
export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

/** Messages handed to `onMessages` at once during a sync. */
export const SYNC_BATCH_MESSAGES = 100;

/**
 * …or fewer, once a batch holds this many bytes: a POP3 sync downloads
 * whole messages, and 100 large ones would be gigabytes.
 */
export const SYNC_BATCH_BYTES = 64 * 1024 * 1024;

/**
 * RETR commands in flight with PIPELINING (RFC 2449 §6.6). Their answers
 * arrive while earlier messages are being indexed, so this bounds memory
 * (at most this many messages buffered beyond the current batch) and keeps
 * the transport window busy.
 */
export const RETR_WINDOW = 4;

/** DELE commands in flight with PIPELINING: tiny commands, one-line answers. */
export const DELE_WINDOW = 64;

/** RFC 2449 §4 / RFC 5034 §4: a command, CRLF included, is at most 255 octets. */
export const MAX_COMMAND_BYTES = 255;

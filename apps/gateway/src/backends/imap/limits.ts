// Every limit and interval of the IMAP backend driver, each with its reason.

/**
 * Messages per metadata FETCH during a sync. Each carries its header block
 * (typically 2–8 KiB), so a batch is a few MiB at most, and a 10,000-message
 * folder is never held as one array of imapflow objects.
 */
export const FETCH_BATCH = 500;

/** TCP connect plus TLS handshake; a backend slower than this is treated as down. */
export const CONNECT_TIMEOUT_MS = 20_000;

/** From connect to the server greeting. */
export const GREETING_TIMEOUT_MS = 15_000;

/**
 * Socket inactivity. A command connection quiet for this long is closed by
 * imapflow and reopened on the next call; a watch connection gets a NOOP to
 * prove the server is still there (IDLE is then re-issued).
 */
export const SOCKET_TIMEOUT_MS = 5 * 60_000;

/**
 * IDLE is re-issued this often: RFC 2177 §3 has servers drop a client idle
 * for 30 minutes (RFC 3501 §5.4's autologout), so a client must re-issue
 * IDLE at least every 29 minutes. 20 leaves room for clock drift and for
 * middleboxes that are a little less patient than the RFC.
 */
export const IDLE_RESTART_MS = 20 * 60_000;

/** NOOP polling interval for servers without IDLE, unless `options.pollIntervalSeconds` says otherwise. */
export const DEFAULT_POLL_SECONDS = 30;

/** Never poll more often than this, whatever the option says: a backend is not ours to hammer. */
export const MIN_POLL_SECONDS = 5;

/** Reconnect backoff of a watch whose connection dropped: doubling from the first to the last. */
export const RECONNECT_FIRST_MS = 1_000;
export const RECONNECT_MAX_MS = 60_000;

/**
 * Largest literal accepted from a backend (imapflow's own default is 1 GiB).
 * Bounds what a broken or hostile server can make us allocate; still far
 * above any real message.
 */
export const MAX_LITERAL_BYTES = 256 * 1024 * 1024;

/** A whole response: the largest literal plus its FETCH framing. */
export const MAX_RESPONSE_BYTES = MAX_LITERAL_BYTES + 1024 * 1024;

/** How long close() waits for LOGOUT before dropping the socket. */
export const LOGOUT_TIMEOUT_MS = 5_000;

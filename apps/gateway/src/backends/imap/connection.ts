// Connections to an IMAP backend: the imapflow options an account implies
// (TLS verified by default, timeouts, no logging of anything), and the
// command channel — one connection, one call at a time (imapflow has one
// selected mailbox per connection), reopened on the next call after it drops.
import tls from "node:tls";
import { ImapFlow, type ImapFlowOptions } from "imapflow";
import { VERSION } from "../../version.ts";
import type { BackendAccount, BackendCapabilities } from "../types.ts";
import { storeError, toStoreError } from "./errors.ts";
import {
  CONNECT_TIMEOUT_MS,
  GREETING_TIMEOUT_MS,
  IDLE_RESTART_MS,
  LOGOUT_TIMEOUT_MS,
  MAX_LITERAL_BYTES,
  MAX_RESPONSE_BYTES,
  SOCKET_TIMEOUT_MS,
} from "./limits.ts";

export type ConnectionPurpose = "commands" | "watch";

function tlsOptions(account: BackendAccount): tls.ConnectionOptions {
  return {
    // Verification is on unless an admin turned it off for this backend.
    rejectUnauthorized: account.insecureTls !== true,
    // A private CA is trusted in addition to the public ones, not instead of them.
    ca: account.ca ? [...tls.rootCertificates, account.ca] : undefined,
    minVersion: "TLSv1.2",
  };
}

export function clientOptions(account: BackendAccount, purpose: ConnectionPurpose): ImapFlowOptions {
  return {
    host: account.host,
    port: account.port,
    secure: account.security === "tls",
    // "starttls": upgrade or fail (a stripped STARTTLS capability must not send the password in clear);
    // "none": an admin's explicit choice of cleartext.
    doSTARTTLS: account.security === "starttls" ? true : account.security === "none" ? false : undefined,
    tls: tlsOptions(account),
    auth: { user: account.login, pass: account.password },
    clientInfo: { name: "Postern", version: VERSION },
    // imapflow's log lines carry mailbox names and server text; Postern logs its own, with secrets redacted.
    logger: false,
    // Postern decides when to IDLE: only watch connections do, and only on purpose.
    disableAutoIdle: true,
    qresync: true,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    maxIdleTime: purpose === "watch" ? IDLE_RESTART_MS : undefined,
    // A watch connection mostly sits in IDLE: a DEFLATE context (~300 KiB) each is not worth it there.
    disableCompression: purpose === "watch",
    maxLiteralSize: MAX_LITERAL_BYTES,
    maxResponseSize: MAX_RESPONSE_BYTES,
  };
}

/** Connect and log in; every failure as a StoreError. */
export async function openClient(account: BackendAccount, purpose: ConnectionPurpose): Promise<ImapFlow> {
  const client = new ImapFlow(clientOptions(account, purpose));
  // imapflow emits 'error' once before closing; without a listener Node would throw it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw toStoreError(err, `connect to ${account.host}:${account.port}`);
  }
  return client;
}

export function capabilitiesOf(client: ImapFlow): BackendCapabilities {
  const has = (c: string) => client.capabilities.has(c);
  return {
    flags: true,
    folders: true,
    push: has("IDLE"),
    incremental: has("CONDSTORE") || has("QRESYNC"),
    move: has("MOVE"),
    uidplus: has("UIDPLUS"),
  };
}

/** LOGOUT, or drop the socket if the server does not answer in time. Never throws. */
export async function closeClient(client: ImapFlow): Promise<void> {
  if (client.isClosed) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, LOGOUT_TIMEOUT_MS);
  });
  await Promise.race([client.logout().catch(() => {}), timeout]);
  clearTimeout(timer);
  client.close();
}

/** True when a failed call left the connection unusable (dropped, timed out, logged out). */
export function isDead(client: ImapFlow): boolean {
  return client.isClosed || !client.usable;
}

/**
 * The session's command connection. Calls run one after another: each may
 * SELECT a different folder, and a FETCH streaming in one call must not see
 * another call's SELECT. A connection that died (idle too long, server
 * restart) is replaced on the next call; the call that saw it die fails with
 * `unavailable`, since a half-done operation must not be repeated blindly.
 */
export class CommandChannel {
  private client: ImapFlow | null;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly account: BackendAccount,
    first: ImapFlow,
  ) {
    this.client = first;
  }

  run<T>(what: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const task = this.tail.then(() => this.exec(what, fn));
    this.tail = task.catch(() => {});
    return task;
  }

  private async exec<T>(what: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    if (this.closed) throw storeError("unavailable", "session closed");
    let client = this.client;
    if (!client || isDead(client)) {
      this.client = null;
      if (client) client.close();
      client = await openClient(this.account, "commands");
      this.client = client;
    }
    try {
      return await fn(client);
    } catch (err) {
      if (isDead(client)) {
        this.client = null;
        client.close();
        // Whatever imapflow said, the cause is the connection.
        throw storeError("unavailable", `${what}: ${toStoreError(err).detail ?? "connection lost"}`);
      }
      throw toStoreError(err, what);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) await closeClient(client);
  }
}

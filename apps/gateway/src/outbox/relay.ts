// The tenant's SMTP relay, reached with nodemailer: where it is (the
// mailbox's backend), how to log in (the backend's relay login, else the
// mailbox's own), one pool of connections per relay, and a send whose
// result says what happened to each recipient.
import { createHash } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import type { Keyring } from "@postern/db/secrets";
import nodemailer, { type Transporter } from "nodemailer";
import type pg from "pg";
import type { Log } from "../log.ts";

export interface RelayTarget {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
  auth: { user: string; pass: string } | null;
  ca?: string;
  insecureTls: boolean;
  /** Connections kept open to this relay (backend option `relayMaxConnections`, default 5). */
  maxConnections: number;
}

export interface MailboxRelay {
  /** null: Postern's own mail (the portal's), relayed through the operator's relay. */
  mailboxId: string | null;
  address: string;
  backendKind: string;
  /** The backend saves what its relay sends into Sent itself (backend option `relaySavesSent`). */
  relaySavesSent: boolean;
  target: RelayTarget | null;
  /** Why there is no target, in words for `outbox list`. */
  unavailable?: string;
}

export interface RecipientReply {
  recipient: string;
  code: number;
  reply: string;
}

export type SendResult =
  | { ok: true; response: string; rejected: RecipientReply[] }
  | {
      ok: false;
      /** "envelope": MAIL/RCPT refused; "message": DATA refused; "connection": never got that far. */
      stage: "envelope" | "message" | "connection";
      code: number | null;
      reply: string;
      rejected: RecipientReply[];
    };

const DEFAULT_PORTS = { tls: 465, starttls: 587, none: 25 } as const;
const DEFAULT_MAX_CONNECTIONS = 5;
/** Relay pools unused this long are closed (the relay would drop them anyway). */
const POOL_IDLE_MS = 2 * 60 * 1000;

/** The relay of a mailbox, secrets decrypted (kept in memory only, never logged). */
export async function loadRelay(pool: pg.Pool, keyring: Keyring, mailboxId: string): Promise<MailboxRelay | null> {
  const r = await pool.query(
    `SELECT m.id, m.address, m.login, m.secret_cipher AS mailbox_secret, b.id AS backend_id, b.kind,
            b.smtp_host, b.smtp_port, b.smtp_security, b.smtp_user, b.secret_cipher AS backend_secret, b.options
       FROM mailbox m JOIN backend b ON b.id = m.backend_id WHERE m.id = $1`,
    [mailboxId],
  );
  if (!r.rowCount) return null;
  const row = r.rows[0];
  const options = (row.options ?? {}) as Record<string, unknown>;
  const base = {
    mailboxId: row.id,
    address: row.address,
    backendKind: row.kind,
    relaySavesSent: options.relaySavesSent === true,
  };
  if (!row.smtp_host) return { ...base, target: null, unavailable: "no SMTP relay is configured for this backend" };
  const security: RelayTarget["security"] = row.smtp_security ?? "starttls";
  let auth: RelayTarget["auth"] = null;
  if (row.smtp_user) {
    const pass = row.backend_secret ? keyring.decrypt(row.backend_secret, `backend:${row.backend_id}`) : "";
    auth = { user: row.smtp_user, pass };
  } else if (row.mailbox_secret) {
    auth = { user: row.login ?? row.address, pass: keyring.decrypt(row.mailbox_secret, `mailbox:${row.id}`) };
  }
  const max = Number(options.relayMaxConnections);
  return {
    ...base,
    target: {
      host: row.smtp_host,
      port: row.smtp_port ?? DEFAULT_PORTS[security],
      security,
      auth,
      ca: typeof options.tlsCa === "string" ? options.tlsCa : undefined,
      insecureTls: options.tlsInsecure === true,
      maxConnections: Number.isInteger(max) && max > 0 ? Math.min(max, 50) : DEFAULT_MAX_CONNECTIONS,
    },
  };
}

/**
 * The relay for Postern's own mail (POSTERN_MAIL_RELAY_URL):
 * `smtp://user:pass@host:587` (STARTTLS required), `smtps://…:465`
 * (implicit TLS), or `smtp://host:25?security=none` (an explicit choice of
 * cleartext, for a local MTA). `caPem` is trusted besides the public roots
 * (POSTERN_MAIL_RELAY_CA). An unusable URL gives a relay with no target and
 * the reason, shown by `outbox list` — never the URL, which holds a password.
 */
export function systemRelay(url: string | undefined, caPem?: string): MailboxRelay {
  const base = { mailboxId: null, address: "", backendKind: "postern", relaySavesSent: true };
  if (!url) return { ...base, target: null, unavailable: "no relay for Postern's own mail (POSTERN_MAIL_RELAY_URL)" };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ...base, target: null, unavailable: "POSTERN_MAIL_RELAY_URL is not a URL" };
  }
  if (u.protocol !== "smtp:" && u.protocol !== "smtps:")
    return { ...base, target: null, unavailable: "POSTERN_MAIL_RELAY_URL must start with smtp:// or smtps://" };
  const asked = u.searchParams.get("security");
  const security: RelayTarget["security"] = u.protocol === "smtps:" ? "tls" : asked === "none" ? "none" : "starttls";
  const user = decodeURIComponent(u.username);
  return {
    ...base,
    target: {
      host: u.hostname.replace(/^\[|\]$/g, ""),
      port: u.port ? Number(u.port) : DEFAULT_PORTS[security],
      security,
      auth: user ? { user, pass: decodeURIComponent(u.password) } : null,
      ca: caPem,
      insecureTls: false,
      maxConnections: 2,
    },
  };
}

type MailData = Parameters<Transporter["sendMail"]>[0];

interface PooledTransport {
  transport: Transporter;
  lastUsed: number;
}

/** One nodemailer pool per distinct relay (host, port, security, login, trust). */
export class RelayPool {
  private readonly pools = new Map<string, PooledTransport>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly opts: { ehloName: string; log: Log }) {
    this.sweep = setInterval(() => this.closeIdle(Date.now()), 30_000);
    this.sweep.unref();
  }

  async send(target: RelayTarget, envelope: { from: string; to: string[] }, raw: Buffer): Promise<SendResult> {
    const pooled = this.transportFor(target);
    pooled.lastUsed = Date.now();
    try {
      const info = await pooled.transport.sendMail({
        envelope: {
          from: envelope.from,
          to: envelope.to,
          // Announce 8-bit content only when there is some (RFC 6152).
          ...(has8bit(raw) ? { use8BitMime: true } : {}),
        } as MailData["envelope"],
        raw,
      });
      const sent = info as { response?: string; rejectedErrors?: SmtpError[] };
      return { ok: true, response: String(sent.response ?? ""), rejected: rejectedOf(sent) };
    } catch (err) {
      return failureOf(err as SmtpError);
    } finally {
      pooled.lastUsed = Date.now();
    }
  }

  close(): void {
    clearInterval(this.sweep);
    for (const p of this.pools.values()) p.transport.close();
    this.pools.clear();
  }

  private transportFor(t: RelayTarget): PooledTransport {
    const key = createHash("sha256").update(JSON.stringify(t)).digest("hex");
    const found = this.pools.get(key);
    if (found) return found;
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: t.maxConnections,
      maxMessages: 100,
      host: t.host,
      port: t.port,
      secure: t.security === "tls",
      // "starttls": upgrade or fail, so a stripped STARTTLS never sends the password in clear.
      requireTLS: t.security === "starttls",
      // "none": an admin's explicit choice of a cleartext relay.
      ignoreTLS: t.security === "none",
      auth: t.auth ?? undefined,
      name: this.opts.ehloName,
      tls: {
        // Verification is on unless an admin turned it off (as for the IMAP backend).
        rejectUnauthorized: !t.insecureTls,
        // Built once per relay: a context with a private CA added to the public roots costs
        // milliseconds to make, and a pool reconnects every maxMessages messages.
        secureContext: tls.createSecureContext({
          // A private CA is trusted in addition to the public ones, not instead of them.
          ca: t.ca ? [...tls.rootCertificates, t.ca] : undefined,
          minVersion: "TLSv1.2",
        }),
        servername: net.isIP(t.host) ? undefined : t.host,
      },
      // Bounded, so a send always ends well inside the outbox lease (schedule.ts).
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      logger: false,
    });
    transport.on("error", (err: Error) => this.opts.log.debug({ err: err.message, relay: t.host }, "relay pool error"));
    const pooled = { transport, lastUsed: Date.now() };
    this.pools.set(key, pooled);
    return pooled;
  }

  private closeIdle(now: number): void {
    for (const [key, p] of this.pools) {
      if (now - p.lastUsed > POOL_IDLE_MS && (p.transport.isIdle?.() ?? true)) {
        p.transport.close();
        this.pools.delete(key);
      }
    }
  }
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpError[];
  recipient?: string;
  command?: string;
}

function has8bit(raw: Buffer): boolean {
  for (let i = 0; i < raw.length; i++) if (raw[i] > 0x7f) return true;
  return false;
}

function rejectedOf(info: { rejectedErrors?: SmtpError[] }): RecipientReply[] {
  return (info.rejectedErrors ?? []).map((e) => ({
    recipient: String(e.recipient ?? ""),
    code: e.responseCode ?? 0,
    reply: e.response ?? e.message,
  }));
}

function failureOf(err: SmtpError): SendResult {
  const rejected = rejectedOf(err);
  const code = err.responseCode ?? null;
  if (err.code === "EENVELOPE" && (err.command === "MAIL FROM" || err.command === "RCPT TO" || rejected.length))
    return { ok: false, stage: "envelope", code, reply: err.response ?? err.message, rejected };
  if (err.code === "EMESSAGE" || (err.code === "EENVELOPE" && err.command === "DATA"))
    return { ok: false, stage: "message", code, reply: err.response ?? err.message, rejected };
  // Connection refused, timeouts, TLS and login failures: nothing about the message itself.
  return { ok: false, stage: "connection", code, reply: describe(err), rejected: [] };
}

function describe(err: SmtpError): string {
  if (err.code === "EAUTH") return `the relay refused the login: ${err.response ?? err.message}`;
  if (err.code === "ETLS" || /certificate|TLS/i.test(err.message)) return `TLS with the relay failed: ${err.message}`;
  return err.message;
}

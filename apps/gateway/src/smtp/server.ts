// SMTP submission listeners: STARTTLS on SMTP_PORT (RFC 6409) and implicit
// TLS on SMTPS_PORT (RFC 8314), on smtp-server (connection.ts adjusts it).
// EHLO offers PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, SIZE,
// STARTTLS before TLS and AUTH PLAIN LOGIN after it — what works end to
// end; not DSN (the relay decides what to notify) nor REQUIRETLS (nothing
// here can promise TLS on every hop) nor CHUNKING (see connection.ts).
import type pg from "pg";
import type { SMTPServerOptions, SMTPServerSession } from "smtp-server";
import type { DeviceAuth } from "../auth/devices.ts";
import { listen, portOf } from "../imap/server.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { authenticate } from "./auth.ts";
import { SubmissionServer } from "./connection.ts";
import { SubmissionIntake } from "./intake.ts";
import type { SmtpLimits } from "./limits.ts";
import { SmtpRefusal } from "./replies.ts";

export interface SmtpServerOptions {
  host: string;
  port: number;
  tlsPort: number;
  cert: string;
  key: string;
  publicHost: string;
  /** Allow AUTH without TLS from loopback addresses (development only). */
  plaintextLoopback: boolean;
  limits: SmtpLimits;
  /** Temporary delivery failures are retried this long (outbox/schedule.ts). */
  retryPeriodMs: number;
  pool: pg.Pool;
  devices: DeviceAuth;
  log: Log;
  metrics: Metrics;
  /** A message was committed to the outbox. */
  accepted(id: string, sentCopyOwed: boolean): void;
  /** A device's submission accepted (250) or refused (its reply code and text): auth/activity.ts. */
  onCommand?: (deviceId: string, command: string, status: string, text?: string) => void;
}

export interface SmtpServers {
  ports: { smtp: number; smtps: number };
  close(): Promise<void>;
}

function isLoopback(addr: string): boolean {
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

/** Adapt a promise to smtp-server's callbacks; anything but a refusal is logged and answered 451. */
function settle<T>(log: Log, work: () => Promise<T> | T, cb: (err?: Error | null, value?: T) => void): void {
  Promise.resolve()
    .then(work)
    .then(
      (value) => cb(null, value),
      (err: Error) => {
        if (err instanceof SmtpRefusal) return cb(err);
        log.error({ err, proto: "smtp" }, "smtp handler failed");
        const fallback = Object.assign(new Error("4.3.0 Internal error; try again"), { responseCode: 451 });
        cb(fallback);
      },
    );
}

export async function startSmtpServers(opts: SmtpServerOptions): Promise<SmtpServers> {
  const { log, metrics, limits } = opts;
  const intake = new SubmissionIntake({
    pool: opts.pool,
    limits,
    log,
    metrics,
    host: opts.publicHost,
    retryPeriodMs: opts.retryPeriodMs,
    accepted: opts.accepted,
  });
  /** Wrap a handler's callback to note its outcome on the device's recent commands; `all`: successes too. */
  const noted = <T>(
    session: SMTPServerSession,
    command: string,
    all: boolean,
    cb: (err?: Error | null, value?: T) => void,
  ) => {
    return (err?: Error | null, value?: T) => {
      const deviceId = (session.user as { deviceId?: string } | undefined)?.deviceId;
      if (deviceId && opts.onCommand && (err || all)) {
        const code = err ? ((err as { responseCode?: number }).responseCode ?? 451) : 250;
        opts.onCommand(
          deviceId,
          command,
          String(code),
          err ? err.message : typeof value === "string" ? value : undefined,
        );
      }
      cb(err, value);
    };
  };
  // Open connections per client IP, over both listeners; a session is counted once it is let in.
  const perIp = new Map<string, number>();
  const counted = new Set<string>();

  const make = (secure: boolean) => {
    const listener = secure ? "smtps" : "smtp";
    const options: SMTPServerOptions = {
      name: opts.publicHost,
      banner: "Postern ESMTP submission",
      secure,
      key: opts.key,
      cert: opts.cert,
      minVersion: "TLSv1.2",
      logger: false,
      authMethods: ["PLAIN", "LOGIN"],
      // Submission is for authenticated devices only (RFC 6409 §4.3).
      authOptional: false,
      authRequiredMessage: "5.7.0 Authentication required",
      size: limits.maxMessageBytes,
      hideENHANCEDSTATUSCODES: false,
      maxClients: limits.maxConnections,
      // smtp-server refuses the command that reaches its count; ours is how many are allowed.
      maxAllowedUnauthenticatedCommands: limits.commandsBeforeAuth + 1,
      socketTimeout: limits.idleTimeoutMs,
      closeTimeout: limits.shutdownGraceMs,
      // Phones have no useful reverse DNS, and the lookup delays the greeting.
      disableReverseLookup: true,
      onConnect(session, cb) {
        const ip = session.remoteAddress;
        const n = perIp.get(ip) ?? 0;
        if (n >= limits.connectionsPerIp) {
          metrics.connectionsRefused.inc({ protocol: "smtp", reason: "per_ip" });
          log.warn({ proto: "smtp", remote: ip, open: n }, "connection refused: too many from this address");
          return cb(Object.assign(new Error("4.7.0 Too many connections from your address"), { responseCode: 421 }));
        }
        perIp.set(ip, n + 1);
        counted.add(session.id);
        metrics.connections.inc({ protocol: "smtp" });
        metrics.connectionsTotal.inc({ protocol: "smtp", listener });
        log.debug({ proto: "smtp", conn: session.id, remote: ip, listener }, "connection opened");
        cb();
      },
      onClose(session: SMTPServerSession) {
        if (!counted.delete(session.id)) return;
        const ip = session.remoteAddress;
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n > 0) perIp.set(ip, n);
        else perIp.delete(ip);
        metrics.connections.dec({ protocol: "smtp" });
        log.debug({ proto: "smtp", conn: session.id }, "connection closed");
      },
      onAuth(auth, session, cb) {
        settle(
          log,
          async () => ({
            user: await authenticate(auth, session, { pool: opts.pool, devices: opts.devices, limits, log, metrics }),
          }),
          cb,
        );
      },
      onMailFrom(address, session, cb) {
        settle(log, () => intake.mailFrom(address, session), noted(session, "MAIL", false, cb));
      },
      onRcptTo(address, session, cb) {
        settle(log, () => intake.rcptTo(address, session), noted(session, "RCPT", false, cb));
      },
      onData(stream, session, cb) {
        settle(log, () => intake.data(stream, session), noted(session, "DATA", true, cb));
      },
    };
    const server = new SubmissionServer(options, (remote) => opts.plaintextLoopback && isLoopback(remote));
    server.on("error", (err) => log.debug({ err: err.message, proto: "smtp" }, "smtp connection error"));
    return server;
  };
  const plain = make(false);
  const secure = make(true);
  await listen(plain.server, opts.port, opts.host);
  await listen(secure.server, opts.tlsPort, opts.host);
  return {
    ports: { smtp: portOf(plain.server), smtps: portOf(secure.server) },
    async close() {
      await Promise.all([
        new Promise<void>((r) => plain.close(() => r())),
        new Promise<void>((r) => secure.close(() => r())),
      ]);
    },
  };
}

// SMTP submission listeners: STARTTLS on SMTP_PORT (RFC 6409) and implicit
// TLS on SMTPS_PORT (RFC 8314), on smtp-server.
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { listen, portOf } from "../imap/server.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";

export interface SmtpServerOptions {
  host: string;
  port: number;
  tlsPort: number;
  cert: string;
  key: string;
  publicHost: string;
  log: Log;
  metrics: Metrics;
}

export interface SmtpServers {
  ports: { smtp: number; smtps: number };
  close(): Promise<void>;
}

export async function startSmtpServers(opts: SmtpServerOptions): Promise<SmtpServers> {
  const make = (secure: boolean) => {
    const listener = secure ? "smtps" : "smtp";
    const options: SMTPServerOptions = {
      name: opts.publicHost,
      banner: "Postern ESMTP submission",
      secure,
      key: opts.key,
      cert: opts.cert,
      logger: false,
      authMethods: ["PLAIN", "LOGIN"],
      // Submission is for authenticated devices only (RFC 6409 §4.3).
      authOptional: false,
      allowInsecureAuth: false,
      onConnect(session, cb) {
        opts.metrics.connectionsTotal.inc({ protocol: "smtp", listener });
        opts.log.debug({ proto: "smtp", remote: session.remoteAddress, listener }, "connection opened");
        cb();
      },
      onAuth(_auth, _session, cb) {
        opts.metrics.authFailures.inc({ protocol: "smtp", reason: "unavailable" });
        const err = new Error("Submission is not enabled on this server yet") as Error & { responseCode: number };
        err.responseCode = 454;
        cb(err);
      },
    };
    const server = new SMTPServer(options);
    server.on("error", (err) => opts.log.debug({ err: err.message, proto: "smtp" }, "smtp connection error"));
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

// The IMAP listeners: one in the clear with STARTTLS (IMAP_PORT) and one with
// implicit TLS (IMAPS_PORT, RFC 8314). Each connection gets a protocol
// Session; one shared sweep enforces idle timeouts instead of a timer per
// connection.
import { randomBytes } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import {
  type Authenticator,
  CONNECTION_LIMITS,
  type CommandDetail,
  type ConnectionLimits,
  Session,
} from "@postern/protocol";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { SocketTransport } from "./transport.ts";

export interface ImapServerOptions {
  host: string;
  port: number;
  tlsPort: number;
  secureContext: tls.SecureContext;
  cert: string;
  key: string;
  plaintextLoopback: boolean;
  log: Log;
  metrics: Metrics;
  version: string;
  auth: Authenticator & { sessions: Map<string, Session> };
  /** Defaults: CONNECTION_LIMITS (packages/protocol limits.ts). */
  limits?: Partial<ConnectionLimits>;
  /** Each completed command of a connection (a device's recent commands, auth/activity.ts). */
  onCommand?: (connId: string, name: string, status: string, ms: number, detail: CommandDetail) => void;
}

export interface ImapServer {
  ports: { imap: number; imaps: number };
  sessions: Set<Session>;
  close(): Promise<void>;
}

function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127."));
}

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  const sessions = new Set<Session>();
  const sockets = new Set<net.Socket>();
  const limits = { ...CONNECTION_LIMITS, ...opts.limits };
  /** Open connections per client address, over both listeners. */
  const perIp = new Map<string, number>();

  /** Over a limit: say so instead of the greeting (RFC 3501 §7.1.5) and close. */
  const refuse = (socket: net.Socket, reason: "per_ip" | "total", text: string) => {
    opts.metrics.connectionsRefused.inc({ protocol: "imap", reason });
    opts.log.warn({ proto: "imap", remote: socket.remoteAddress, reason }, "connection refused: too many connections");
    socket.on("error", () => {});
    socket.end(`* BYE [UNAVAILABLE] ${text}\r\n`);
    setTimeout(() => socket.destroy(), 2000).unref();
  };

  const accept = (socket: net.Socket, listener: "imap" | "imaps") => {
    const ip = socket.remoteAddress ?? "";
    if (sockets.size >= limits.maxConnections)
      return refuse(socket, "total", "This server is at its connection limit; try again shortly");
    const open = perIp.get(ip) ?? 0;
    if (open >= limits.connectionsPerIp)
      return refuse(socket, "per_ip", "Too many connections from your address; close some and try again");
    perIp.set(ip, open + 1);
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const id = randomBytes(6).toString("base64url");
    // No child logger per connection: an idle phone should cost bytes, and
    // every line the session logs carries its connection id anyway.
    const log = opts.log;
    opts.metrics.connections.inc({ protocol: "imap" });
    opts.metrics.connectionsTotal.inc({ protocol: "imap", listener });
    let session: Session | null = null;
    const transport = new SocketTransport(
      socket,
      (chunk) => session?.receive(chunk),
      listener === "imap" ? opts.secureContext : null,
    );
    session = new Session({
      transport,
      info: {
        id,
        secure: listener === "imaps",
        remoteAddress: socket.remoteAddress ?? "",
        remotePort: socket.remotePort,
        localAddress: socket.localAddress,
        localPort: socket.localPort,
      },
      identity: { name: "Postern", version: opts.version },
      log,
      auth: opts.auth,
      onCommand: (name, status, ms, detail) => {
        opts.metrics.commands.inc({ command: name, status });
        opts.metrics.commandSeconds.observe({ command: name }, ms / 1000);
        opts.onCommand?.(id, name, status, ms, detail);
      },
      canStartTls: listener === "imap",
      plaintextAllowed: opts.plaintextLoopback && isLoopback(socket.remoteAddress),
    });
    sessions.add(session);
    opts.auth.sessions.set(id, session);
    log.debug({ conn: id, proto: "imap", remote: socket.remoteAddress, listener }, "connection opened");
    const s = session;
    socket.on("error", (err) => log.debug({ conn: id, err: err.message }, "socket error"));
    socket.on("close", () => {
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
      sessions.delete(s);
      opts.auth.sessions.delete(id);
      opts.metrics.connections.dec({ protocol: "imap" });
      s.connectionClosed();
      log.debug({ conn: id }, "connection closed");
    });
    s.start();
  };

  const plain = net.createServer((socket) => accept(socket, "imap"));
  const secure = tls.createServer({ cert: opts.cert, key: opts.key, minVersion: "TLSv1.2" }, (socket) =>
    accept(socket, "imaps"),
  );
  secure.on("tlsClientError", (err) => opts.log.debug({ err: err.message }, "TLS handshake failed"));

  await listen(plain, opts.port, opts.host);
  await listen(secure, opts.tlsPort, opts.host);

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of sessions) s.checkTimeout(now);
  }, 15_000);
  sweep.unref();

  return {
    ports: { imap: portOf(plain), imaps: portOf(secure) },
    sessions,
    async close() {
      clearInterval(sweep);
      for (const s of sessions) s.bye("Server shutting down");
      await Promise.all([closeServer(plain), closeServer(secure)]);
      for (const sock of sockets) sock.destroy();
    },
  };
}

export function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export function portOf(server: net.Server): number {
  const a = server.address();
  return typeof a === "object" && a ? a.port : 0;
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

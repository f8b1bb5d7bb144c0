// Shared by the backend-pop3-*.test.ts files: a private Dovecot as the POP3
// backend, the driver's account for one of its users, Python's poplib as
// "another client" that checks what the driver did, and a TCP proxy in
// front of Dovecot that can cut the connection at a chosen command or
// rewrite what the client sends (a real server with a command taken away).
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import net from "node:net";
import { StoreError } from "@postern/protocol";
import { expect } from "vitest";
import { type Dovecot, type DovecotOptions, startDovecot } from "../../../test/helpers/dovecot.ts";
import { python } from "../../../test/helpers/python.ts";
import type { BackendAccount } from "../src/backends/types.ts";

export function startPop3Backend(users: string[], opts: Omit<DovecotOptions, "users"> = {}): Promise<Dovecot> {
  return startDovecot({
    imap: true,
    pop3: true,
    ...opts,
    users: users.map((user) => ({ user, password: `${user}-pass` })),
  });
}

/** Dovecot config that makes a maildrop take one POP3 session at a time (its default lets several in). */
export const LOCK_SESSIONS = "protocol pop3 {\n  pop3_lock_session = yes\n}\n";

export function account(dc: Dovecot, user: string, over: Partial<BackendAccount> = {}): BackendAccount {
  return {
    mailboxId: `test-${user}`,
    address: `${user}@example.test`,
    kind: "pop3",
    host: "127.0.0.1",
    port: dc.pop3Port,
    security: "starttls",
    login: user,
    password: `${user}-pass`,
    options: {},
    ca: dc.certPem,
    ...over,
  };
}

/** A small message with CRLF line ends and a unique Message-ID unless given. */
export function mail(opts: { subject?: string; messageId?: string; body?: string; date?: string } = {}): Buffer {
  const id = opts.messageId ?? `<${Math.random().toString(36).slice(2)}@example.test>`;
  return Buffer.from(
    [
      "From: Sender <sender@example.test>",
      "To: Someone <someone@example.test>",
      `Subject: ${opts.subject ?? "Hello"}`,
      `Date: ${opts.date ?? "Thu, 26 Nov 2026 10:00:00 +0000"}`,
      `Message-ID: ${id}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      opts.body ?? "Hello there.",
      "",
    ].join("\r\n"),
  );
}

export async function failure(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

const POPLIB = `
import poplib, sys, json
poplib._MAXLINE = 1 << 20  # poplib refuses lines over 2048 octets by default; mail has longer ones
port, user, password, action = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
p = poplib.POP3("127.0.0.1", port, timeout=15)
p.user(user)
p.pass_(password)
if action == "uidl":
    print(json.dumps([line.decode().split(" ", 1)[1] for line in p.uidl()[1]]))
elif action == "retr":
    n = int(sys.argv[5])
    lines = p.retr(n)[1]
    sys.stdout.write((b"\\r\\n".join(lines) + b"\\r\\n").hex())
p.quit()
`;

/** The UIDLs poplib sees, in message order. */
export async function poplibUidls(dc: Dovecot, user: string): Promise<string[]> {
  return JSON.parse(await python(POPLIB, [dc.pop3Port, user, `${user}-pass`, "uidl"]));
}

/** Message `n` as poplib retrieves it (lines unstuffed, rejoined with CRLF). */
export async function poplibRetr(dc: Dovecot, user: string, n: number): Promise<Buffer> {
  return Buffer.from(await python(POPLIB, [dc.pop3Port, user, `${user}-pass`, "retr", n]), "hex");
}

/** A poplib session that stays logged in (holding the maildrop) until release(). */
export async function holdMaildrop(dc: Dovecot, user: string): Promise<{ release(): Promise<void> }> {
  const code = `
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=60)
p.user(sys.argv[2])
p.pass_(sys.argv[3])
print("held", flush=True)
sys.stdin.readline()
p.quit()
print("released", flush=True)
`;
  const child: ChildProcessWithoutNullStreams = spawn("python3", [
    "-c",
    code,
    String(dc.pop3Port),
    user,
    `${user}-pass`,
  ]);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (d) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr.on("data", (d) => (err += d));
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(word)) {
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      child.once("exit", (code) =>
        out.includes(word) ? resolve() : reject(new Error(`poplib exited ${code}: ${err}`)),
      );
      check();
    });
  await said("held");
  return {
    async release() {
      child.stdin.end("\n");
      await said("released");
    },
  };
}

export interface TcpProxy {
  port: number;
  /** Every line the client sent, in order (cleartext connections only). */
  clientLines: string[];
  /** Connections accepted so far, and the most that were open at once. */
  stats: { connections: number; open: number; mostAtOnce: number };
  close(): Promise<void>;
}

/**
 * A TCP proxy to `target` on 127.0.0.1. `onClientLine` sees each command
 * line: return it (or another) to forward, or "cut" to drop both sides
 * without forwarding it — the network failing at that moment.
 */
export async function startProxy(target: number, onClientLine: (line: string) => string = (l) => l): Promise<TcpProxy> {
  const clientLines: string[] = [];
  const stats = { connections: 0, open: 0, mostAtOnce: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    stats.connections++;
    stats.open++;
    stats.mostAtOnce = Math.max(stats.mostAtOnce, stats.open);
    let ended = false;
    const end = () => {
      if (!ended) stats.open--;
      ended = true;
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
    upstream.on("data", (d) => client.write(d));
    let pending = "";
    client.on("data", (d) => {
      pending += d.toString("latin1");
      for (let i = pending.indexOf("\r\n"); i >= 0; i = pending.indexOf("\r\n")) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 2);
        clientLines.push(line);
        const out = onClientLine(line);
        if (out === "cut") return end();
        upstream.write(`${out}\r\n`, "latin1");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    clientLines,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// A private Dovecot 2.3 on loopback, for tests (a real IMAP/POP3 server as
// Postern's backend) and for the benchmark (the reference server). Everything
// — config, certificate, users, maildirs, sockets, log — lives in one temp
// directory that stop() removes; nothing under /etc/dovecot is read or touched.
//
// Choices (see also bench/README.md):
// - Mail is owned by the system user `postern-mail` (created once with
//   `useradd --system`): Dovecot refuses to deliver or serve mail as root, and
//   `dovenull`/`nobody` are shared accounts that other services rely on. When
//   not run as root, Dovecot runs entirely as the current user instead.
// - Storage is `maildir:~/Maildir:LAYOUT=fs` with `/` as separator: IMAP folder
//   "Work/Projects" is the directory Maildir/Work/Projects, INBOX is Maildir
//   itself (so folders named cur, new or tmp cannot exist), and `.` is allowed
//   in folder names (Maildir++ would forbid it).
// - deliver() uses LMTP (Dovecot's real delivery path) for INBOX and
//   dovecot-lda for other folders (created on first delivery); flags are then
//   set with `doveadm flags add`, so an IDLE client may see EXISTS before the
//   FETCH FLAGS that follows. Nothing is written into maildir behind Dovecot.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { dovecotConfig } from "./dovecot-config.ts";
import { ensureMailUser, killTree, passwdEntry, sweepStale } from "./dovecot-system.ts";
import { eventually, freePort } from "./ports.ts";

export const DOVECOT_BIN = "/usr/sbin/dovecot";
const LDA_BIN = "/usr/lib/dovecot/dovecot-lda";
const DOVEADM_BIN = "/usr/bin/doveadm";
const DIR_PREFIX = "postern-dovecot-";

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  /** Default: alice/alice-pass and bob/bob-pass. */
  users?: DovecotUser[];
  imap?: boolean;
  pop3?: boolean;
  lmtp?: boolean;
  /** `service_count` of the imap service (Dovecot's default is 1: a process per connection). */
  serviceCount?: number;
  /** Appended to the config file; a setting repeated here overrides the fixture's. */
  extraConfig?: string;
}

export interface DeliverOptions {
  /** Default INBOX; other folders are created on first delivery. */
  folder?: string;
  /** IMAP flags and keywords, space-separated: "\\Seen \\Flagged $Label1". */
  flags?: string;
}

export interface Dovecot {
  host: "127.0.0.1";
  /** 0 when the protocol is disabled. */
  imapPort: number;
  imapsPort?: number;
  pop3Port: number;
  pop3sPort?: number;
  lmtpPort?: number;
  users: DovecotUser[];
  /** The user's Maildir (INBOX's cur/new/tmp are directly inside it). */
  maildir(user: string): string;
  deliver(user: string, raw: Buffer | string, opts?: DeliverOptions): Promise<void>;
  /** Run doveadm against this instance: `doveadm(["mailbox", "list", "-u", "alice"])`. */
  doveadm(args: string[]): Promise<string>;
  /** Kill the server, keeping its mail and configuration (the backend goes down). */
  kill(): Promise<void>;
  /** Start it again after kill(), on the same ports with the same mail. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  baseDir: string;
  certPem: string;
  certPath: string;
  configPath: string;
  logPath: string;
  /** The master process; every other Dovecot process of this instance descends from it. */
  pid: number;
  /** Who owns the mail (for writing maildir files directly, as the benchmark does). */
  mailUser: { name: string; uid: number; gid: number };
}

const DEFAULT_USERS: DovecotUser[] = [
  { user: "alice", password: "alice-pass" },
  { user: "bob", password: "bob-pass" },
];

// Instances still running, stopped on process exit (a crashed test file
// never reaches its afterAll).
const live = new Set<{ child: ChildProcess; dir: string }>();
process.once("exit", () => {
  for (const i of live) {
    killTree(i.child.pid!);
    rmSync(i.dir, { recursive: true, force: true });
  }
});

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const users = opts.users ?? DEFAULT_USERS;
  for (const u of users) {
    // passwd-file is colon-separated, and the user name becomes a directory.
    if (!/^[^:/\s]+$/.test(u.user) || /[:\r\n]/.test(u.password)) throw new Error(`dovecot: bad test user ${u.user}`);
  }
  sweepStale(DIR_PREFIX);
  const mailUser = ensureMailUser();
  const baseDir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  // Login processes (dovenull) and mail processes (postern-mail) reach sockets in here.
  await chmod(baseDir, 0o755);
  await writeFile(path.join(baseDir, "owner.pid"), String(process.pid));
  try {
    const certPath = path.join(baseDir, "cert.pem");
    const keyPath = path.join(baseDir, "key.pem");
    await run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"],
      ...["-keyout", keyPath, "-out", certPath, "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ]);
    const certPem = await readFile(certPath, "utf8");
    const home = (user: string) => path.join(baseDir, "home", user);
    const passwd = users.map(
      (u) => `${u.user}:{PLAIN}${u.password}:${mailUser.uid}:${mailUser.gid}::${home(u.user)}::`,
    );
    const usersPath = path.join(baseDir, "users");
    await writeFile(usersPath, `${passwd.join("\n")}\n`, { mode: 0o600 });
    // Read by the auth process, which runs as Dovecot's internal user.
    const internal = process.getuid?.() === 0 ? passwdEntry("dovecot") : mailUser;
    if (internal) await chown(usersPath, internal.uid, internal.gid);
    await mkdir(path.join(baseDir, "home"), { mode: 0o755 });
    for (const u of users) {
      await mkdir(home(u.user), { mode: 0o700 });
      await chown(home(u.user), mailUser.uid, mailUser.gid);
    }
    const configPath = path.join(baseDir, "dovecot.conf");
    const logPath = path.join(baseDir, "dovecot.log");
    const want = { imap: opts.imap ?? true, pop3: opts.pop3 ?? true, lmtp: opts.lmtp ?? true };

    // A port free a moment ago can be taken before Dovecot binds it: retry with new ones.
    for (let attempt = 1; ; attempt++) {
      const ports = {
        imap: want.imap ? await freePort() : 0,
        imaps: want.imap ? await freePort() : 0,
        pop3: want.pop3 ? await freePort() : 0,
        pop3s: want.pop3 ? await freePort() : 0,
        lmtp: want.lmtp ? await freePort() : 0,
      };
      const { serviceCount, extraConfig } = opts;
      const config = dovecotConfig({
        baseDir,
        certPath,
        keyPath,
        usersPath,
        logPath,
        mailUser,
        ports,
        serviceCount,
        extraConfig,
      });
      await writeFile(configPath, config);
      const started = await launch(configPath, logPath, Object.values(ports));
      if ("error" in started) {
        if (/Address already in use/.test(started.error) && attempt < 3) continue;
        throw new Error(`dovecot did not start: ${started.error}\n(config: ${configPath}, log: ${logPath})`);
      }
      const instance = { child: started.child, dir: baseDir };
      live.add(instance);
      let running: ChildProcess | null = started.child;
      const doveadm = (args: string[]) => run(DOVEADM_BIN, ["-c", configPath, ...args], { logPath });
      let queue: Promise<unknown> = Promise.resolve();
      let stopped = false;
      return {
        host: "127.0.0.1",
        imapPort: ports.imap,
        imapsPort: ports.imaps || undefined,
        pop3Port: ports.pop3,
        pop3sPort: ports.pop3s || undefined,
        lmtpPort: ports.lmtp || undefined,
        users,
        maildir: (user) => path.join(home(user), "Maildir"),
        // One delivery at a time, so "the UIDs from uidnext on" are this delivery's.
        deliver(user, raw, dopts = {}) {
          const next = queue.then(() =>
            deliver({ configPath, logPath, lmtpPort: ports.lmtp, doveadm }, user, raw, dopts),
          );
          queue = next.catch(() => {});
          return next;
        },
        doveadm,
        async kill() {
          if (running) await terminate(running);
          running = null;
        },
        async restart() {
          if (running) return;
          const again = await launch(configPath, logPath, Object.values(ports));
          if ("error" in again) throw new Error(`dovecot did not restart: ${again.error}`);
          running = again.child;
          instance.child = again.child;
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          if (running) await terminate(running);
          running = null;
          live.delete(instance);
          await rm(baseDir, { recursive: true, force: true });
        },
        baseDir,
        certPem,
        certPath,
        configPath,
        logPath,
        pid: started.child.pid!,
        mailUser,
      };
    }
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}

/** Start `dovecot -F` and wait until every port accepts, or it exits. */
async function launch(
  configPath: string,
  logPath: string,
  ports: number[],
): Promise<{ child: ChildProcess } | { error: string }> {
  const child = spawn(DOVECOT_BIN, ["-F", "-c", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  const exited = new Promise<{ error: string }>((resolve) => {
    const report = (why: string) => resolve({ error: `${why}\n${stderr}${tail(logPath)}`.trim() });
    child.once("exit", (code, signal) => report(`dovecot exited (${code ?? signal})`));
    child.once("error", (err) => report(err.message));
  });
  const listening = eventually(
    async () => (await Promise.all(ports.filter(Boolean).map(accepts))).every(Boolean),
    10_000,
    "dovecot's listeners",
  ).then(
    () => ({ child }),
    (err: Error) => ({ error: `${err.message}\n${stderr}${tail(logPath)}` }),
  );
  const result = await Promise.race([listening, exited]);
  if ("error" in result) await terminate(child);
  return result;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Kill the master and every process under it at once. SIGTERM makes the
 * master wait about a second for its children; the instance's data is thrown
 * away anyway, so nothing is gained by waiting.
 */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  killTree(child.pid!);
  await gone;
}

function tail(logPath: string): string {
  try {
    return `\nlast log lines (${logPath}):\n${readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n")}`;
  } catch {
    return "";
  }
}

interface DeliverContext {
  configPath: string;
  logPath: string;
  lmtpPort: number;
  doveadm(args: string[]): Promise<string>;
}

async function deliver(ctx: DeliverContext, user: string, raw: Buffer | string, opts: DeliverOptions): Promise<void> {
  const folder = opts.folder ?? "INBOX";
  const message = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, "utf8");
  let firstUid = 1;
  if (opts.flags) {
    const status = await ctx
      .doveadm(["-f", "flow", "mailbox", "status", "-u", user, "uidnext", folder])
      .catch(() => "");
    firstUid = Number(/uidnext=(\d+)/.exec(status)?.[1] ?? 1);
  }
  if (folder === "INBOX" && ctx.lmtpPort) {
    await lmtpDeliver(ctx.lmtpPort, user, message).catch((err: Error) => {
      throw new Error(`dovecot: LMTP delivery to ${user} failed: ${err.message} (log: ${ctx.logPath})`);
    });
  } else {
    const args = ["-c", ctx.configPath, "-d", user, "-m", folder, "-o", "lda_mailbox_autocreate=yes"];
    await run(LDA_BIN, args, { stdin: message, logPath: ctx.logPath });
  }
  if (opts.flags)
    await ctx.doveadm(["flags", "add", "-u", user, opts.flags, "mailbox", folder, "uid", `${firstUid}:*`]);
}

/** One message to one recipient over LMTP (RFC 2033), as an MTA would hand it to Dovecot. */
function lmtpDeliver(port: number, rcpt: string, message: Buffer): Promise<void> {
  // Wire form: CRLF line ends, dot-stuffed, ended by CRLF.CRLF (RFC 5321 §4.5.2).
  const lines = message.toString("latin1").replace(/\r?\n/g, "\r\n").replace(/\r\n$/, "").split("\r\n");
  const data = Buffer.from(`${lines.map((l) => (l.startsWith(".") ? `.${l}` : l)).join("\r\n")}\r\n.\r\n`, "latin1");
  const steps: Array<{ send?: Buffer | string; expect: number }> = [
    { expect: 220 },
    { send: "LHLO localhost\r\n", expect: 250 },
    { send: "MAIL FROM:<postern-test@localhost>\r\n", expect: 250 },
    { send: `RCPT TO:<${rcpt}>\r\n`, expect: 250 },
    { send: "DATA\r\n", expect: 354 },
    { send: data, expect: 250 },
    { send: "QUIT\r\n", expect: 221 },
  ];
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => fail(new Error("no reply within 10 s")), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    let buf = "";
    let step = 0;
    sock.on("data", (chunk) => {
      buf += chunk.toString("latin1");
      // A reply is complete at a line whose code is followed by a space, not "-".
      for (let m = /^(\d{3}) .*\r\n/m.exec(buf); m; m = /^(\d{3}) .*\r\n/m.exec(buf)) {
        const reply = buf.slice(0, m.index + m[0].length);
        buf = buf.slice(reply.length);
        if (Number(m[1]) !== steps[step].expect) return fail(new Error(reply.trim()));
        if (++step === steps.length) {
          clearTimeout(timer);
          sock.end();
          return resolve();
        }
        if (steps[step].send) sock.write(steps[step].send!);
      }
    });
    sock.on("error", fail);
  });
}

/** Run a tool; reject with its stderr (and the Dovecot log's path) when it fails. */
function run(bin: string, args: string[], o: { stdin?: Buffer; logPath?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve(out);
      const where = o.logPath ? ` (log: ${o.logPath})` : "";
      reject(new Error(`${path.basename(bin)} ${args.join(" ")} exited ${code}: ${err.trim()}${where}`));
    });
    child.stdin.end(o.stdin);
  });
}

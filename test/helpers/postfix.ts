// A private Postfix on loopback: the real MTA a backend relays through in
// tests (and the reference MTA of `npm run bench:smtp`). Its own config
// directory, queue, data directory and log live in one temp directory that
// destroy() removes; /etc/postfix is only read for Postfix's own file list
// (meta_directory), and a system-wide Postfix, if one runs, is untouched:
// this one listens on a free port of 127.0.0.1 only, with its own master
// and queue. Postfix's master must start as root (it drops to the `postfix`
// user the Debian package creates).
//
// Mail for every domain is accepted (virtual_mailbox_domains = static:all)
// and delivered by LMTP into a Dovecot (test/helpers/dovecot.ts, which must
// strip the domain: see relayDovecotConfig), or discarded (benchmark).
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { passwdEntry } from "./dovecot-system.ts";
import { eventually, freePort } from "./ports.ts";

const POSTFIX = "/usr/sbin/postfix";
const DIR_PREFIX = "postern-postfix-";

export interface PostfixOptions {
  /** Deliver all mail by LMTP to this port (Dovecot's); unset: discard it (benchmark). */
  lmtpPort?: number;
  /**
   * Accept mail only after AUTH, checked by Dovecot's auth service at this
   * port (Postfix's `smtpd_sasl_type = dovecot`; see relayDovecotConfig).
   */
  saslPort?: number;
  /** Present this certificate (e.g. Dovecot's, so one backend CA covers IMAP and the relay); default: a new one. */
  tls?: { certPath: string; keyPath: string };
  /** Refuse every recipient permanently: `554 5.7.1 … Access denied`. */
  rejectAll?: boolean;
  /** Refuse matching recipients with this reply, e.g. `{ match: "^ghost@", reply: "550 5.1.1 No such user" }`. */
  rejectRecipients?: Array<{ match: string; reply: string }>;
}

export interface Postfix {
  host: "127.0.0.1";
  port: number;
  /** The certificate smtpd presents for STARTTLS (a backend's `tlsCa`). */
  certPem: string;
  dir: string;
  /** Stop at once (`postfix abort`): the relay is down, connections are refused. */
  stop(): Promise<void>;
  /** Start again after stop(), on the same port with the same queue. */
  start(): Promise<void>;
  /** The mail log so far. */
  log(): string;
  /** Resolves when Postfix has delivered (or discarded) everything it accepted. */
  drained(timeoutMs?: number): Promise<void>;
  /** Messages Postfix took in whole (distinct queue ids the queue manager saw). */
  acceptedCount(): number;
  destroy(): Promise<void>;
}

/** Dovecot settings for a relay fixture: LMTP and SASL lookups by the local part, and an auth port for smtpd. */
export function relayDovecotConfig(saslPort?: number): string {
  return [
    // Postfix hands LMTP "bob@any.example" and logins "bob": both are the passwd-file user "bob".
    "auth_username_format = %Ln",
    saslPort
      ? `service auth {\n  inet_listener auth-postfix {\n    address = 127.0.0.1\n    port = ${saslPort}\n  }\n}`
      : "",
  ].join("\n");
}

const live = new Set<string>();
process.once("exit", () => {
  for (const dir of live) abortSync(dir);
});

function abortSync(dir: string): void {
  try {
    execFileSync(POSTFIX, ["-c", path.join(dir, "conf"), "abort"], { stdio: "ignore", timeout: 10_000 });
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}

/** Instances of test processes that died without cleaning up. */
function sweepStale(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    let owner = 0;
    try {
      owner = Number(readFileSync(path.join(dir, "owner.pid"), "utf8"));
    } catch {
      // Being created by another process this moment (owner.pid comes right after mkdtemp)?
      if (Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) continue;
    }
    if (owner && alive(owner)) continue;
    abortSync(dir);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(bin, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${path.basename(bin)} ${args.join(" ")}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

function readTail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
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

function mainCf(dir: string, o: PostfixOptions): string {
  const restrictions = o.rejectAll
    ? ["reject"]
    : [
        ...(o.rejectRecipients?.length ? [`check_recipient_access regexp:${dir}/conf/recipient_access`] : []),
        ...(o.saslPort ? ["permit_sasl_authenticated", "reject"] : ["permit"]),
      ];
  return [
    "# Written by test/helpers/postfix.ts; private to one test or benchmark run.",
    "compatibility_level = 3.6",
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    "meta_directory = /etc/postfix",
    "mail_owner = postfix",
    "setgid_group = postdrop",
    `syslog_name = ${path.basename(dir)}`,
    `maillog_file = ${dir}/maillog`,
    `maillog_file_prefixes = ${dir}`,
    "myhostname = relay.postern.test",
    "mydomain = postern.test",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    "mynetworks = 127.0.0.0/8",
    // No local delivery, no aliases: every domain is a virtual mailbox domain.
    "mydestination =",
    "local_recipient_maps =",
    "alias_maps =",
    "alias_database =",
    "relayhost =",
    "biff = no",
    "virtual_mailbox_domains = static:all",
    "smtpd_reject_unlisted_recipient = no",
    `virtual_transport = ${o.lmtpPort ? `lmtp:inet:127.0.0.1:${o.lmtpPort}` : "discard:"}`,
    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
    `smtpd_recipient_restrictions = ${restrictions.join(", ")}`,
    `smtpd_tls_cert_file = ${dir}/cert.pem`,
    `smtpd_tls_key_file = ${dir}/key.pem`,
    "smtpd_tls_security_level = may",
    ...(o.saslPort
      ? [
          "smtpd_sasl_auth_enable = yes",
          "smtpd_sasl_type = dovecot",
          `smtpd_sasl_path = inet:127.0.0.1:${o.saslPort}`,
          "smtpd_tls_auth_only = yes",
        ]
      : []),
    "smtputf8_enable = yes",
    "message_size_limit = 52428800",
    // Tests and the benchmark: no artificial slowness.
    "in_flow_delay = 0",
    "smtpd_error_sleep_time = 0",
    "smtpd_client_connection_count_limit = 0",
    "queue_run_delay = 1s",
    "minimal_backoff_time = 1s",
    "maximal_backoff_time = 2s",
    "lmtp_destination_concurrency_limit = 20",
  ].join("\n");
}

// No chroot (the last-but-two column): the queue lives in a temp directory.
const MASTER_CF = (port: number) =>
  [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    "pickup    unix  n - n 60 1 pickup",
    "cleanup   unix  n - n - 0 cleanup",
    "qmgr      unix  n - n 300 1 qmgr",
    "tlsmgr    unix  - - n 1000? 1 tlsmgr",
    "rewrite   unix  - - n - - trivial-rewrite",
    "bounce    unix  - - n - 0 bounce",
    "defer     unix  - - n - 0 bounce",
    "trace     unix  - - n - 0 bounce",
    "verify    unix  - - n - 1 verify",
    "flush     unix  n - n 1000? 0 flush",
    "proxymap  unix  - - n - - proxymap",
    "smtp      unix  - - n - - smtp",
    "relay     unix  - - n - - smtp",
    "showq     unix  n - n - - showq",
    "error     unix  - - n - - error",
    "retry     unix  - - n - - error",
    "discard   unix  - - n - - discard",
    "lmtp      unix  - - n - - lmtp",
    "anvil     unix  - - n - 1 anvil",
    "scache    unix  - - n - 1 scache",
    "postlog   unix-dgram n - n - 1 postlogd",
  ].join("\n");

export async function startPostfix(opts: PostfixOptions = {}): Promise<Postfix> {
  if (process.getuid?.() !== 0) throw new Error("postfix: the test MTA must be started as root");
  const postfixUser = passwdEntry("postfix");
  if (!postfixUser) throw new Error("postfix: no `postfix` user; install the Debian package postfix");
  sweepStale();
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  live.add(dir);
  await writeFile(path.join(dir, "owner.pid"), String(process.pid));
  // Postfix's daemons (user postfix) reach the queue through here.
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, "conf"));
  await mkdir(path.join(dir, "queue"));
  await mkdir(path.join(dir, "data"));
  await chown(path.join(dir, "data"), postfixUser.uid, postfixUser.gid);
  if (opts.tls) {
    await copyFile(opts.tls.certPath, path.join(dir, "cert.pem"));
    await copyFile(opts.tls.keyPath, path.join(dir, "key.pem"));
  } else {
    await run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"],
      ...["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ]);
  }
  const certPem = await readFile(path.join(dir, "cert.pem"), "utf8");
  if (opts.rejectRecipients?.length) {
    const lines = opts.rejectRecipients.map((r) => `/${r.match}/ ${r.reply}`);
    await writeFile(path.join(dir, "conf", "recipient_access"), `${lines.join("\n")}\n`);
  }
  const conf = path.join(dir, "conf");
  let port = 0;
  const up = async () => {
    await run(POSTFIX, ["-c", conf, "start"]).catch((err: Error) => {
      throw new Error(`${err.message}\n${readTail(path.join(dir, "maillog"))}`);
    });
    await eventually(() => accepts(port), 15_000, "postfix's smtpd");
  };
  // A port free a moment ago can be taken before Postfix binds it: try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await writeFile(path.join(conf, "main.cf"), `${mainCf(dir, opts)}\n`);
    await writeFile(path.join(conf, "master.cf"), `${MASTER_CF(port)}\n`);
    try {
      await up();
      break;
    } catch (err) {
      await run(POSTFIX, ["-c", conf, "abort"]).catch(() => {});
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        live.delete(dir);
        throw err;
      }
    }
  }
  let running = true;
  const log = () => {
    try {
      return readFileSync(path.join(dir, "maillog"), "utf8");
    } catch {
      return "";
    }
  };
  return {
    host: "127.0.0.1",
    port,
    certPem,
    dir,
    async stop() {
      if (!running) return;
      running = false;
      await run(POSTFIX, ["-c", conf, "abort"]);
      await eventually(async () => !(await accepts(port)), 15_000, "postfix to stop listening");
    },
    async start() {
      if (running) return;
      await up();
      running = true;
    },
    log,
    drained: (timeoutMs = 60_000) =>
      eventually(
        async () => /Mail queue is empty/.test(await run("/usr/sbin/postqueue", ["-c", conf, "-p"]).catch(() => "")),
        timeoutMs,
        "postfix's queue to empty",
      ).then(() => {}),
    acceptedCount: () => new Set([...log().matchAll(/qmgr\[\d+\]: ([0-9A-F]+): from=</g)].map((m) => m[1])).size,
    async destroy() {
      if (!live.has(dir)) return;
      live.delete(dir);
      await run(POSTFIX, ["-c", conf, "abort"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

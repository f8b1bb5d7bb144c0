// The config file of a private Dovecot (see dovecot.ts): loopback listeners
// on the ports given, TLS and plaintext both allowed, a passwd-file of test
// users, maildir, and the limits tests and the benchmark need.
import path from "node:path";
import { groupName } from "./dovecot-system.ts";

export interface ConfigInput {
  baseDir: string;
  certPath: string;
  keyPath: string;
  usersPath: string;
  logPath: string;
  mailUser: { name: string; uid: number; gid: number };
  ports: Record<"imap" | "imaps" | "pop3" | "pop3s" | "lmtp", number>;
  serviceCount?: number;
  extraConfig?: string;
}

export function dovecotConfig(c: ConfigInput): string {
  const { ports } = c;
  const asRoot = process.getuid?.() === 0;
  const protocols = [ports.imap && "imap", ports.pop3 && "pop3", ports.lmtp && "lmtp"].filter(Boolean);
  const listener = (name: string, port: number, ssl = false) =>
    `  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${port}\n    ssl = ${ssl ? "yes" : "no"}\n  }`;
  // Not root: every Dovecot process runs as us, and login processes cannot chroot.
  const nonRoot = asRoot
    ? []
    : [
        `default_internal_user = ${c.mailUser.name}`,
        `default_internal_group = ${groupName(c.mailUser.gid)}`,
        `default_login_user = ${c.mailUser.name}`,
        "service imap-login {\n  chroot =\n}",
        "service pop3-login {\n  chroot =\n}",
      ];
  return `${[
    "# Written by test/helpers/dovecot.ts; private to one test or benchmark run.",
    `base_dir = ${c.baseDir}/run`,
    `state_dir = ${c.baseDir}/state`,
    `instance_name = ${path.basename(c.baseDir)}`,
    `log_path = ${c.logPath}`,
    `protocols = ${protocols.join(" ") || "none"}`,
    "listen = 127.0.0.1",
    // TLS on, plaintext allowed too: tests log in both ways on loopback.
    "ssl = yes",
    `ssl_cert = <${c.certPath}`,
    `ssl_key = <${c.keyPath}`,
    "disable_plaintext_auth = no",
    "auth_mechanisms = plain login",
    // Tests try wrong passwords on purpose: answer at once, and no growing
    // per-IP penalty for the next login (closing anvil's socket disables it).
    "auth_failure_delay = 0",
    "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
    `first_valid_uid = ${c.mailUser.uid}`,
    "mail_location = maildir:~/Maildir:LAYOUT=fs",
    "namespace inbox {\n  inbox = yes\n  separator = /\n}",
    `passdb {\n  driver = passwd-file\n  args = ${c.usersPath}\n}`,
    `userdb {\n  driver = passwd-file\n  args = ${c.usersPath}\n}`,
    // IDLE: new mail is pushed at once (inotify); these bound the fallbacks.
    "imap_idle_notify_interval = 1 secs",
    "mailbox_idle_check_interval = 1 secs",
    // Tests and the benchmark open many sessions for one user from 127.0.0.1.
    "default_client_limit = 4000",
    "protocol imap {\n  mail_max_userip_connections = 10000\n}",
    "protocol pop3 {\n  mail_max_userip_connections = 10000\n}",
    `service imap {\n  process_limit = 2000${c.serviceCount ? `\n  service_count = ${c.serviceCount}` : ""}\n}`,
    `service imap-login {\n  process_limit = 1000\n${listener("imap", ports.imap)}\n${listener("imaps", ports.imaps, true)}\n}`,
    `service pop3-login {\n${listener("pop3", ports.pop3)}\n${listener("pop3s", ports.pop3s, true)}\n}`,
    `service lmtp {\n${listener("lmtp", ports.lmtp)}\n}`,
    ...nonRoot,
    c.extraConfig ?? "",
  ].join("\n")}\n`;
}

// The backend: a private Dovecot (the test fixture) with one user whose INBOX
// holds the IMAP benchmark's generated messages, written straight into the
// maildir and indexed by Dovecot before anything is timed. LMTP is on: the
// push-latency phase delivers new mail the way an MTA would. For phase c a
// second user's maildrop, served by Dovecot's POP3, holds the first
// `pop3Messages` of the same messages, loaded the same way.
import { existsSync } from "node:fs";
import { type Dovecot, startDovecot } from "../../test/helpers/dovecot.ts";
import { dovecotVersion, ensureDovecot } from "../imap/install.ts";
import { writeMaildir } from "../imap/maildir.ts";

export const BACKEND_USER = "bench-sync";
export const BACKEND_PASSWORD = "bench-sync-password";
/** The POP3 maildrop's owner (phase c): a user of its own, so the IMAP phases never see it. */
export const POP3_USER = "bench-pop3";
export const POP3_PASSWORD = "bench-pop3-password";
const LMTP_BIN = "/usr/lib/dovecot/lmtp";

// The fixture checks mailboxes every second for fast tests; that timer, firing
// at its own phase in each session, would tell one IDLE session of new mail
// anywhere from 0 to 500 ms before another and blur the comparison. Dovecot's
// defaults leave inotify (plus its 500 ms batching) as the only path, as in
// production.
const PRODUCTION_IDLE = ["mailbox_idle_check_interval = 30 secs", "imap_idle_notify_interval = 2 mins"].join("\n");

export interface Backend {
  dovecot: Dovecot;
  details: Record<string, string | number>;
}

export async function startBackend(opts: {
  messages: number;
  /** Messages in POP3_USER's maildrop; 0: no POP3 server and no such user. */
  pop3Messages: number;
  log(line: string): void;
}): Promise<Backend> {
  ensureDovecot(opts.log);
  if (!existsSync(LMTP_BIN)) {
    throw new Error("Dovecot's LMTP server is not installed; run: sudo apt-get install -y dovecot-lmtpd");
  }
  const pop3 = opts.pop3Messages > 0;
  const dovecot = await startDovecot({
    users: [
      { user: BACKEND_USER, password: BACKEND_PASSWORD },
      ...(pop3 ? [{ user: POP3_USER, password: POP3_PASSWORD }] : []),
    ],
    pop3,
    extraConfig: PRODUCTION_IDLE,
  });
  try {
    await loadInbox(dovecot, BACKEND_USER, opts.messages, opts.log);
    if (pop3) await loadInbox(dovecot, POP3_USER, opts.pop3Messages, opts.log);
    return {
      dovecot,
      details: {
        version: dovecotVersion(),
        storage: "maildir (LAYOUT=fs), loaded by writing files, indexed by doveadm before timing",
        delivery: "LMTP (test/helpers/dovecot.ts deliver())",
        idle: PRODUCTION_IDLE.replace("\n", "; "),
        ...(pop3
          ? { pop3: `${POP3_USER}'s maildrop, loaded and indexed the same way; STLS with the instance's certificate` }
          : {}),
      },
    };
  } catch (err) {
    await dovecot.stop();
    throw err;
  }
}

/** Write `count` messages into the user's INBOX and have Dovecot index them, untimed. */
async function loadInbox(dovecot: Dovecot, user: string, count: number, log: (line: string) => void): Promise<void> {
  let t = performance.now();
  await writeMaildir({
    dir: dovecot.maildir(user),
    owner: dovecot.mailUser,
    count,
    progress: (n) => n % 5000 === 0 && log(`dovecot: wrote ${n}/${count} maildir files for ${user}`),
  });
  log(`dovecot: ${user}'s maildir written in ${seconds(t)}`);
  // Dovecot indexes new maildir files on first access: do it now, untimed,
  // so the sync reads from an indexed mailbox as it would in production.
  t = performance.now();
  const status = await dovecot.doveadm(["-f", "flow", "mailbox", "status", "-u", user, "messages", "INBOX"]);
  const seen = Number(/messages=(\d+)/.exec(status)?.[1]);
  if (seen !== count) throw new Error(`dovecot indexed ${seen} messages for ${user}, expected ${count}`);
  log(`dovecot: ${seen} messages indexed for ${user} in ${seconds(t)}`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

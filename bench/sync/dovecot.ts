// The backend: a private Dovecot (the test fixture) with one user whose INBOX
// holds the IMAP benchmark's generated messages, written straight into the
// maildir and indexed by Dovecot before anything is timed. LMTP is on: the
// push-latency phase delivers new mail the way an MTA would.
import { existsSync } from "node:fs";
import { type Dovecot, startDovecot } from "../../test/helpers/dovecot.ts";
import { dovecotVersion, ensureDovecot } from "../imap/install.ts";
import { writeMaildir } from "../imap/maildir.ts";

export const BACKEND_USER = "bench-sync";
export const BACKEND_PASSWORD = "bench-sync-password";
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

export async function startBackend(opts: { messages: number; log(line: string): void }): Promise<Backend> {
  ensureDovecot(opts.log);
  if (!existsSync(LMTP_BIN)) {
    throw new Error("Dovecot's LMTP server is not installed; run: sudo apt-get install -y dovecot-lmtpd");
  }
  const dovecot = await startDovecot({
    users: [{ user: BACKEND_USER, password: BACKEND_PASSWORD }],
    pop3: false,
    extraConfig: PRODUCTION_IDLE,
  });
  try {
    let t = performance.now();
    await writeMaildir({
      dir: dovecot.maildir(BACKEND_USER),
      owner: dovecot.mailUser,
      count: opts.messages,
      progress: (n) => n % 5000 === 0 && opts.log(`dovecot: wrote ${n}/${opts.messages} maildir files`),
    });
    opts.log(`dovecot: maildir written in ${seconds(t)}`);
    // Dovecot indexes new maildir files on first access: do it now, untimed,
    // so the sync reads from an indexed mailbox as it would in production.
    t = performance.now();
    const status = await dovecot.doveadm(["-f", "flow", "mailbox", "status", "-u", BACKEND_USER, "messages", "INBOX"]);
    const seen = Number(/messages=(\d+)/.exec(status)?.[1]);
    if (seen !== opts.messages) throw new Error(`dovecot indexed ${seen} messages, expected ${opts.messages}`);
    opts.log(`dovecot: ${seen} messages indexed in ${seconds(t)}`);
    return {
      dovecot,
      details: {
        version: dovecotVersion(),
        storage: "maildir (LAYOUT=fs), loaded by writing files, indexed by doveadm before timing",
        delivery: "LMTP (test/helpers/dovecot.ts deliver())",
        idle: PRODUCTION_IDLE.replace("\n", "; "),
      },
    };
  } catch (err) {
    await dovecot.stop();
    throw err;
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

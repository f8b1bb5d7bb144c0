// The reference: Dovecot 2.3 from Debian on a private config (the test
// fixture), maildir, `service_count = 100` so an imap process serves many
// connections in turn instead of one (Dovecot's recommended speed setting).
import { startDovecot } from "../../test/helpers/dovecot.ts";
import { processTree, readText } from "../../test/helpers/dovecot-system.ts";
import { eventually } from "../../test/helpers/ports.ts";
import { dovecotVersion, ensureDovecot } from "./install.ts";
import { writeMaildir } from "./maildir.ts";
import { memoryOf } from "./memory.ts";
import { MAILBOX_ADDRESS } from "./messages.ts";
import type { BenchTarget } from "./target.ts";

const PASSWORD = "bench-password";

// The fixture tunes Dovecot for fast tests; put its defaults back where they
// would cost Dovecot work Postern is not asked to do.
const FAIR_CONFIG = [
  // Not an "OK Still here" to each of 1,000 idle sessions every second.
  "imap_idle_notify_interval = 2 mins",
  "mailbox_idle_check_interval = 30 secs",
  // Postern runs at LOG_LEVEL=warn: no line per login either.
  "info_log_path = /dev/null",
].join("\n");

export async function startDovecotTarget(opts: { messages: number; log(line: string): void }): Promise<BenchTarget> {
  ensureDovecot(opts.log);
  const dc = await startDovecot({
    users: [{ user: MAILBOX_ADDRESS, password: PASSWORD }],
    pop3: false,
    lmtp: false,
    serviceCount: 100,
    extraConfig: FAIR_CONFIG,
  });
  try {
    let t = performance.now();
    await writeMaildir({
      dir: dc.maildir(MAILBOX_ADDRESS),
      owner: dc.mailUser,
      count: opts.messages,
      progress: (n) => opts.log(`dovecot: wrote ${n}/${opts.messages} maildir files`),
    });
    opts.log(`dovecot: maildir written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Dovecot indexes new maildir files on first access; do it now, untimed,
    // and check it saw them all.
    t = performance.now();
    const status = await dc.doveadm(["-f", "flow", "mailbox", "status", "-u", MAILBOX_ADDRESS, "messages", "INBOX"]);
    const seen = Number(/messages=(\d+)/.exec(status)?.[1]);
    if (seen !== opts.messages) throw new Error(`dovecot indexed ${seen} messages, expected ${opts.messages}`);
    opts.log(`dovecot: maildir synced, ${seen} messages, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return {
      name: "dovecot",
      host: dc.host,
      port: dc.imapPort,
      user: MAILBOX_ADDRESS,
      password: PASSWORD,
      // Master, config, log, anvil, auth, stats, and every imap process.
      memory: () => memoryOf(processTree(dc.pid)),
      // SIGHUP: the master reloads and lets every idle process go.
      async fresh() {
        process.kill(dc.pid, "SIGHUP");
        await eventually(
          async () => !processTree(dc.pid).some((p) => comm(p) === "imap"),
          10_000,
          "idle imap processes to exit",
        );
      },
      details: {
        version: dovecotVersion(),
        storage: "maildir (LAYOUT=fs), loaded by writing files, indexed before timing",
        serviceCount: 100,
        passwords: "{PLAIN} in a passwd-file",
        config: dc.configPath,
      },
      stop: () => dc.stop(),
    };
  } catch (err) {
    await dc.stop();
    throw err;
  }
}

function comm(pid: number): string {
  return readText(`/proc/${pid}/comm`);
}

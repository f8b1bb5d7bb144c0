// Loading the benchmark mailbox into Dovecot the fast way: maildir files
// written straight into INBOX's cur/ before any session opens it; Dovecot
// indexes them on first access. Flags travel in the file name (":2,FRS"),
// INTERNALDATE is the file's mtime, and names start with the date so that
// Dovecot, which numbers new files in name-time order, gives UIDs in date order.
import { chown, mkdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { benchMessage } from "./messages.ts";

const FLAG_LETTERS: Record<string, string> = { "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S" };

export async function writeMaildir(opts: {
  /** The Maildir whose cur/new/tmp are INBOX (Dovecot's LAYOUT=fs). */
  dir: string;
  owner: { uid: number; gid: number };
  count: number;
  progress(done: number): void;
}): Promise<void> {
  for (const sub of ["", "cur", "new", "tmp"]) {
    await mkdir(path.join(opts.dir, sub), { recursive: true, mode: 0o700 });
    await chown(path.join(opts.dir, sub), opts.owner.uid, opts.owner.gid);
  }
  const cur = path.join(opts.dir, "cur");
  let next = 0;
  // A few writers at once: the disk, not the loop, should be the limit.
  const worker = async () => {
    for (let i = next++; i < opts.count; i = next++) {
      const m = benchMessage(i);
      const secs = Math.floor(m.date.getTime() / 1000);
      const letters = m.flags
        .map((f) => FLAG_LETTERS[f])
        .sort()
        .join("");
      // S= and W= (size, size with CRLF) spare Dovecot a stat; ours are CRLF already.
      const size = m.raw.length;
      const file = path.join(cur, `${secs}.M${i}P1.bench,S=${size},W=${size}:2,${letters}`);
      await writeFile(file, m.raw, { mode: 0o600 });
      await utimes(file, m.date, m.date);
      await chown(file, opts.owner.uid, opts.owner.gid);
      if ((i + 1) % 1000 === 0) opts.progress(i + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

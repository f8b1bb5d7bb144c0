// isync's mbsync (a client nobody here wrote) as a phone keeping a local
// Maildir in two-way sync with a test gateway: its rc file, a run of
// `mbsync -a` with its counters, changes made on the device, and snapshots of
// the Maildir and of the gateway's view to compare with each other.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Gateway } from "../../apps/gateway/src/gateway.ts";
import { type Account, imapflow } from "./imap.ts";

/** Folder → Message-ID → Maildir flag letters (sorted): D Draft, F Flagged, R Answered, S Seen, T Deleted. */
export type Snapshot = Record<string, Record<string, string>>;

/** The folders Postern hosts in every mailbox (empty): a first sync makes them in the Maildir. */
export const STANDARD: Snapshot = { Archive: {}, Drafts: {}, Junk: {}, Sent: {}, Trash: {} };

const LETTER: Record<string, string> = {
  "\\Draft": "D",
  "\\Flagged": "F",
  "\\Answered": "R",
  "\\Seen": "S",
  "\\Deleted": "T",
};

const sortFlags = (s: string) => [...s].sort().join("");

/** A channel "phone": the gateway's IMAPS as the far side, the Maildir at `maildir` as the near side. */
export function rcFile(gw: Gateway, acct: Account, maildir: string): string {
  return [
    "IMAPAccount postern",
    "Host 127.0.0.1",
    `Port ${gw.ports.imaps}`,
    `User ${acct.address}`,
    `Pass ${acct.password}`,
    "SSLType IMAPS",
    `CertificateFile ${gw.tls.certPath}`,
    "",
    "IMAPStore postern-far",
    "Account postern",
    "",
    "MaildirStore local-near",
    `Path ${maildir}/`,
    `Inbox ${maildir}/INBOX`,
    "SubFolders Verbatim",
    "",
    "Channel phone",
    "Far :postern-far:",
    "Near :local-near:",
    "Patterns *",
    "Create Both",
    "Expunge Both",
    "SyncState *",
    "",
  ].join("\n");
}

export interface SyncRun {
  output: string;
  /** The last progress line: far/near counters of new, flag-changed and deleted messages. */
  stats: { far: number[]; near: number[] };
}

/**
 * Run `mbsync -a`. It prints its counters only on a terminal, so it runs
 * under script(1) with a pseudo-terminal. A run that warned or failed rejects.
 */
export function mbsync(rc: string): Promise<SyncRun> {
  return new Promise((resolve, reject) => {
    execFile("script", ["-qec", `mbsync -c '${rc}' -a`, "/dev/null"], { timeout: 60_000 }, (err, stdout) => {
      const output = stdout.toString();
      if (err) return reject(new Error(`mbsync failed (${err.message}):\n${output}`));
      const last =
        output
          .split("\r")
          .filter((l) => /^C: /.test(l.trim()))
          .at(-1) ?? "";
      const m = /F: \+(\d+)\/\d+ \*(\d+)\/\d+ #(\d+)\/\d+\s+N: \+(\d+)\/\d+ \*(\d+)\/\d+ #(\d+)\/\d+/.exec(last);
      if (!m) return reject(new Error(`no counters in mbsync output:\n${output}`));
      // A sync that had to warn (lost track of a message, a refused command) is not a clean sync.
      if (/warning|error/i.test(output)) return reject(new Error(`mbsync complained:\n${output}`));
      const n = m.slice(1).map(Number);
      resolve({ output, stats: { far: n.slice(0, 3), near: n.slice(3) } });
    });
  });
}

// --- the Maildir side ---

/** The Maildir's folders (directories with a cur/), relative to root: "INBOX", "Projects/2026". */
async function maildirFolders(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  if (entries.some((e) => e.isDirectory() && e.name === "cur")) out.push(rel);
  for (const e of entries)
    if (e.isDirectory() && !["cur", "new", "tmp"].includes(e.name))
      out.push(...(await maildirFolders(root, rel ? `${rel}/${e.name}` : e.name)));
  return out;
}

/** Every message file of the Maildir (in cur/ and new/), absolute paths, sorted. */
export async function maildirFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const f of await maildirFolders(root))
    for (const sub of ["cur", "new"])
      for (const name of await readdir(path.join(root, f, sub))) files.push(path.join(root, f, sub, name));
  return files.sort();
}

/** The Message-ID header of a raw message ("" without one). */
export const messageIdOf = (raw: string) => /^message-id:\s*(\S+)/im.exec(raw.split(/\r?\n\r?\n/)[0])?.[1] ?? "";

const maildirFlags = (file: string) => sortFlags(/:2,([A-Za-z]*)$/.exec(file)?.[1] ?? "");

/** Every folder of the Maildir (empty ones too) with its messages and their flags. */
export async function maildirSide(root: string): Promise<Snapshot> {
  const snap: Snapshot = {};
  for (const f of await maildirFolders(root)) snap[f] = {};
  for (const file of await maildirFiles(root)) {
    const folder = path.relative(root, path.dirname(path.dirname(file)));
    snap[folder][messageIdOf(await readFile(file, "utf8"))] = maildirFlags(file);
  }
  return snap;
}

/** The file holding a message, by Message-ID (absolute path). */
export async function maildirFile(root: string, messageId: string): Promise<string> {
  for (const file of await maildirFiles(root)) if (messageIdOf(await readFile(file, "utf8")) === messageId) return file;
  throw new Error(`${messageId} not in the Maildir`);
}

/** Change a message's flags on the device, as a Maildir reader does: rename its file (into cur/). */
export async function setLocalFlags(root: string, messageId: string, flags: string): Promise<void> {
  const file = await maildirFile(root, messageId);
  const name = path.basename(file).replace(/:2,[A-Za-z]*$/, "");
  await rename(file, path.join(path.dirname(path.dirname(file)), "cur", `${name}:2,${flags}`));
}

let seq = 0;

/**
 * A message written on the device into `folder` (made if missing): in cur/
 * with `flags`, or in new/ when no flags are given. Returns the file's path.
 */
export async function putLocal(root: string, folder: string, raw: Buffer, flags?: string): Promise<string> {
  const dir = path.join(root, folder);
  for (const d of ["cur", "new", "tmp"]) await mkdir(path.join(dir, d), { recursive: true });
  const base = `${Date.now()}.${process.pid}_${++seq}.phone`;
  const file = flags === undefined ? path.join(dir, "new", base) : path.join(dir, "cur", `${base}:2,${flags}`);
  await writeFile(file, raw);
  return file;
}

// --- the Postern side, seen through imapflow ---

/** Every folder the gateway lists for the account, with its messages and their flags (read-only). */
export async function gatewaySide(gw: Gateway, acct: Account): Promise<Snapshot> {
  const c = await imapflow(gw, acct, { secure: true });
  try {
    const snap: Snapshot = {};
    for (const box of await c.list()) {
      snap[box.path] = {};
      const lock = await c.getMailboxLock(box.path, { readOnly: true });
      try {
        if (c.mailbox && c.mailbox.exists > 0)
          for await (const m of c.fetch("1:*", { envelope: true, flags: true }))
            snap[box.path][m.envelope?.messageId ?? ""] = sortFlags(
              [...(m.flags ?? [])].map((f) => LETTER[f] ?? "").join(""),
            );
      } finally {
        lock.release();
      }
    }
    return snap;
  } finally {
    await c.logout();
  }
}

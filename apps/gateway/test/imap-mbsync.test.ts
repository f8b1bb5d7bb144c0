// isync's mbsync (a client nobody here wrote) keeps a local Maildir and a
// Postern mailbox in two-way sync: folders, messages and flags both ways,
// deletions both ways, and a sync with nothing to do changes nothing.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { seedMailbox } from "@postern/db/seed";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { type Account, imapflow, message } from "../../../test/helpers/imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
let tmp: string;
beforeAll(async () => {
  gw = await startTestGateway();
  tmp = await mkdtemp(path.join(os.tmpdir(), "postern-mbsync-"));
});
afterAll(async () => {
  await gw?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Folder → Message-ID → Maildir flag letters (sorted): D Draft, F Flagged, R Answered, S Seen, T Deleted. */
type Snapshot = Record<string, Record<string, string>>;

const LETTER: Record<string, string> = {
  "\\Draft": "D",
  "\\Flagged": "F",
  "\\Answered": "R",
  "\\Seen": "S",
  "\\Deleted": "T",
};

const sortFlags = (s: string) => [...s].sort().join("");

function rcFile(acct: Account, maildir: string): string {
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

interface SyncRun {
  output: string;
  /** The last progress line: far/near counters of new, flag-changed and deleted messages. */
  stats: { far: number[]; near: number[] };
}

/**
 * Run `mbsync -a`. It prints its counters only on a terminal, so it runs
 * under script(1) with a pseudo-terminal.
 */
function mbsync(rc: string): Promise<SyncRun> {
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

async function maildirFolders(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  if (entries.some((e) => e.isDirectory() && e.name === "cur")) out.push(rel);
  for (const e of entries)
    if (e.isDirectory() && !["cur", "new", "tmp"].includes(e.name))
      out.push(...(await maildirFolders(root, rel ? `${rel}/${e.name}` : e.name)));
  return out;
}

/** Every message file of the Maildir, relative paths, sorted. */
async function maildirFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const f of await maildirFolders(root))
    for (const sub of ["cur", "new"])
      for (const name of await readdir(path.join(root, f, sub))) files.push(`${f}/${sub}/${name}`);
  return files.sort();
}

const messageIdOf = (raw: string) => /^message-id:\s*(\S+)/im.exec(raw.split(/\r?\n\r?\n/)[0])?.[1] ?? "";
const maildirFlags = (file: string) => sortFlags(/:2,([A-Za-z]*)$/.exec(file)?.[1] ?? "");

async function maildirSide(root: string): Promise<Snapshot> {
  const snap: Snapshot = {};
  for (const f of await maildirFolders(root)) snap[f] = {};
  for (const file of await maildirFiles(root)) {
    const folder = file.replace(/\/(cur|new)\/[^/]+$/, "");
    const id = messageIdOf(await readFile(path.join(root, file), "utf8"));
    snap[folder][id] = maildirFlags(file);
  }
  return snap;
}

/** The file holding a message, by Message-ID. */
async function maildirFile(root: string, messageId: string): Promise<string> {
  for (const file of await maildirFiles(root))
    if (messageIdOf(await readFile(path.join(root, file), "utf8")) === messageId) return path.join(root, file);
  throw new Error(`${messageId} not in the Maildir`);
}

async function putLocal(root: string, folder: string, sub: "cur" | "new", id: string, flags: string) {
  const dir = path.join(root, folder);
  for (const d of ["cur", "new", "tmp"]) await mkdir(path.join(dir, d), { recursive: true });
  const name = `${Date.now()}.${id}.phone${sub === "cur" ? `:2,${flags}` : ""}`;
  await writeFile(path.join(dir, sub, name), message({ subject: `local ${id}`, messageId: `<${id}@local.test>` }));
}

// --- the Postern side, seen through imapflow ---

async function withClient<T>(acct: Account, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await imapflow(gw, acct, { secure: true });
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

async function posternSide(acct: Account): Promise<Snapshot> {
  return withClient(acct, async (c) => {
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
  });
}

async function posternStatus(acct: Account) {
  return withClient(acct, async (c) => {
    const out: Record<string, unknown> = {};
    for (const box of await c.list())
      out[box.path] = await c.status(box.path, { messages: true, uidNext: true, unseen: true, highestModseq: true });
    return out;
  });
}

/** Change flags on Postern: +/- system flags by Message-ID, or delete and expunge. */
async function posternChange(
  acct: Account,
  folder: string,
  id: string,
  change: { add?: string[]; remove?: string[]; expunge?: boolean },
) {
  await withClient(acct, async (c) => {
    const lock = await c.getMailboxLock(folder);
    try {
      const uids = await c.search({ header: { "message-id": id } }, { uid: true });
      expect(uids, `${id} in ${folder}`).toHaveLength(1);
      const uid = String((uids as number[])[0]);
      if (change.add) await c.messageFlagsAdd(uid, change.add, { uid: true });
      if (change.remove) await c.messageFlagsRemove(uid, change.remove, { uid: true });
      if (change.expunge) await c.messageDelete(uid, { uid: true });
    } finally {
      lock.release();
    }
  });
}

const STANDARD = { Archive: {}, Drafts: {}, Junk: {}, Sent: {}, Trash: {} };

describe("mbsync two-way sync with a local Maildir", () => {
  it("syncs folders, messages and flags both ways, converges after changes, and then is a no-op", async () => {
    const acct = await seedMailbox(testContext());
    const root = path.join(tmp, acct.mailboxId);
    await mkdir(root);
    const rc = path.join(tmp, `${acct.mailboxId}.rc`);
    await writeFile(rc, rcFile(acct, root));

    // The phone's mailbox on Postern: a folder tree and messages with flags.
    await withClient(acct, async (c) => {
      await c.mailboxCreate("Projects");
      await c.mailboxCreate("Projects/2026");
      const put = (folder: string, id: string, flags: string[]) =>
        c.append(folder, message({ subject: `remote ${id}`, messageId: `<${id}@postern.test>` }), flags);
      await put("INBOX", "m1", ["\\Seen"]);
      await put("INBOX", "m2", ["\\Flagged"]);
      await put("INBOX", "m3", ["\\Answered", "\\Seen"]);
      await put("INBOX", "m4", []);
      await put("Projects", "p1", ["\\Seen"]);
      await put("Projects/2026", "q1", ["\\Flagged", "\\Seen"]);
      await put("Sent", "s1", ["\\Seen"]);
    });
    // The local Maildir: a folder Postern does not have, and one in INBOX.
    await putLocal(root, "Local", "cur", "l1", "FS");
    await putLocal(root, "Local", "new", "l2", "");
    await putLocal(root, "INBOX", "cur", "i1", "RS");

    // First sync: everything meets.
    const first = await mbsync(rc);
    expect(first.stats, first.output).toEqual({ far: [3, 0, 0], near: [7, 0, 0] });
    let expected: Snapshot = {
      ...STANDARD,
      INBOX: {
        "<m1@postern.test>": "S",
        "<m2@postern.test>": "F",
        "<m3@postern.test>": "RS",
        "<m4@postern.test>": "",
        "<i1@local.test>": "RS",
      },
      Projects: { "<p1@postern.test>": "S" },
      "Projects/2026": { "<q1@postern.test>": "FS" },
      Sent: { "<s1@postern.test>": "S" },
      Local: { "<l1@local.test>": "FS", "<l2@local.test>": "" },
    };
    expect(await posternSide(acct)).toEqual(expected);
    expect(await maildirSide(root)).toEqual(expected);

    // Changes on both sides: the phone reads m2 and deletes m4; Postern
    // answers m1, unflags l1 and deletes p1.
    const m2 = await maildirFile(root, "<m2@postern.test>");
    await rename(m2, m2.replace(/:2,[A-Za-z]*$/, ":2,FS"));
    await unlink(await maildirFile(root, "<m4@postern.test>"));
    await posternChange(acct, "INBOX", "<m1@postern.test>", { add: ["\\Answered"] });
    await posternChange(acct, "Local", "<l1@local.test>", { remove: ["\\Flagged"] });
    await posternChange(acct, "Projects", "<p1@postern.test>", { expunge: true });

    const second = await mbsync(rc);
    // Far: m2 read, m4 deleted. Near: m1 answered, l1 unflagged, p1 deleted.
    expect(second.stats, second.output).toEqual({ far: [0, 2, 0], near: [0, 3, 0] });
    expected = {
      ...expected,
      INBOX: {
        "<m1@postern.test>": "RS",
        "<m2@postern.test>": "FS",
        "<m3@postern.test>": "RS",
        "<i1@local.test>": "RS",
      },
      Projects: {},
      Local: { "<l1@local.test>": "S", "<l2@local.test>": "" },
    };
    expect(await maildirSide(root)).toEqual(expected);
    expect(await posternSide(acct)).toEqual(expected);

    // A sync right after has nothing to do, and does nothing.
    const statusBefore = await posternStatus(acct);
    expect(statusBefore.INBOX).toMatchObject({ messages: 4, highestModseq: expect.anything() });
    const filesBefore = await maildirFiles(root);
    const third = await mbsync(rc);
    expect(third.stats, third.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });
    expect(await maildirFiles(root)).toEqual(filesBefore);
    expect(await posternStatus(acct)).toEqual(statusBefore);
    expect(await posternSide(acct)).toEqual(expected);
  }, 120_000);
});

// Phones nobody here wrote, on a mailbox whose mail lives at a real Dovecot:
// Python's imaplib driven one command at a time (so each change can be timed
// to the backend), and isync's mbsync keeping a local Maildir in two-way sync
// through the gateway. A client connected straight to Dovecot checks what
// the backend really holds.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { direct, imapBackedMailbox, synced } from "../../../test/helpers/backend.ts";
import { testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { message } from "../../../test/helpers/imap.ts";
import {
  maildirFiles,
  maildirSide,
  mbsync,
  putLocal,
  rcFile,
  type Snapshot,
  STANDARD,
  setLocalFlags,
} from "../../../test/helpers/mbsync.ts";
import { eventually } from "../../../test/helpers/ports.ts";

let dovecot: Dovecot;
let gw: Awaited<ReturnType<typeof startTestGateway>>;
let tmp: string;
const USERS = [
  { user: "imaplib", password: "imaplib-pass" },
  { user: "mbsync", password: "mbsync-pass" },
];

beforeAll(async () => {
  [dovecot, gw, tmp] = await Promise.all([
    startDovecot({ users: USERS, pop3: false }),
    startTestGateway({ POSTERN_SYNC: "true" }),
    mkdtemp(path.join(os.tmpdir(), "postern-sync-clients-")),
  ]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await dovecot?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// --- the backend, seen by a client connected straight to Dovecot ---

const LETTER: Record<string, string> = { "\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S" };
const letters = (flags: Iterable<string>) =>
  [...flags]
    .map((f) => LETTER[f] ?? "")
    .sort()
    .join("");

/** Message-ID → Maildir flag letters of a folder at Dovecot; null when the folder does not exist. */
async function atDovecot(c: ImapFlow, folder: string): Promise<Record<string, string> | null> {
  // SELECT each time, so the answer is never a stale view.
  if (!(await c.mailboxOpen(folder).catch(() => null))) return null;
  const out: Record<string, string> = {};
  if (c.mailbox && c.mailbox.exists > 0)
    for await (const m of c.fetch("1:*", { envelope: true, flags: true }))
      out[m.envelope?.messageId ?? ""] = letters(m.flags ?? []);
  return out;
}

async function sourceAtDovecot(c: ImapFlow, folder: string, messageId: string): Promise<Buffer> {
  await c.mailboxOpen(folder);
  for await (const m of c.fetch("1:*", { envelope: true, source: true }))
    if (m.envelope?.messageId === messageId && m.source) return m.source;
  throw new Error(`${messageId} not in ${folder} at Dovecot`);
}

/** Wait until the sync engine has finished a whole pass that started after now. */
async function settled(mailboxId: string): Promise<void> {
  await synced(mailboxId, 10_000, Date.now());
  await synced(mailboxId, 10_000, Date.now());
}

// --- imaplib, one command at a time ---

// Reads [method, args] as JSON lines, calls imaplib, answers each with a JSON
// line (bytes as base64, so message bytes arrive exactly).
const DRIVER = `
import base64, imaplib, json, ssl, sys
port, cert, user, pw = sys.argv[1:5]
M = imaplib.IMAP4("127.0.0.1", int(port))
M.starttls(ssl_context=ssl.create_default_context(cafile=cert))
M.login(user, pw)
def enc(x):
    if isinstance(x, bytes): return {"b64": base64.b64encode(x).decode()}
    if isinstance(x, tuple): return [enc(y) for y in x]
    return x
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    op, args = json.loads(line)
    try:
        typ, data = getattr(M, op)(*args)
        print(json.dumps({"typ": typ, "data": [enc(x) for x in data]}), flush=True)
    except Exception as e:
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}), flush=True)
`;

type Item = Buffer | Buffer[] | null;

async function imaplibSession(acct: { address: string; password: string }) {
  const child = spawn("python3", ["-c", DRIVER, String(gw.ports.imap), gw.tls.certPath, acct.address, acct.password]);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`imaplib said nothing for 10 s; stderr: ${stderr}`)), 10_000);
    });
    const line = await Promise.race([lines.next(), silent]).finally(() => clearTimeout(timer));
    if (line.done) throw new Error(`imaplib exited; stderr: ${stderr}`);
    return JSON.parse(line.value) as { ready?: true; typ?: string; data?: unknown[]; error?: string };
  };
  const decode = (x: unknown): Item =>
    x === null
      ? null
      : Array.isArray(x)
        ? (x.map(decode) as Buffer[])
        : Buffer.from((x as { b64: string }).b64, "base64");
  expect(await next()).toEqual({ ready: true });
  const send = (op: string, args: string[]) => {
    child.stdin.write(`${JSON.stringify([op, args])}\n`);
    return next();
  };
  return {
    /** Call `M.<op>(...args)`; resolves with the data imaplib returned, throws unless it was OK. */
    async call(op: string, ...args: string[]): Promise<Item[]> {
      const r = await send(op, args);
      if (r.error || r.typ !== "OK") throw new Error(`imaplib ${op}(${args.join(", ")}): ${r.error ?? r.typ}`);
      return (r.data ?? []).map(decode);
    },
    /** LOGOUT; imaplib reports the server's BYE. */
    async logout(): Promise<string | undefined> {
      const r = await send("logout", []);
      return r.typ ?? r.error;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** A message worth fetching exactly: 8-bit text, a line starting with ".", 200 KB of base64. */
function bigMessage(messageId: string): Buffer {
  const blob = Buffer.alloc(150_000);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919 + (i >> 8)) & 0xff;
  const b64 = blob.toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    [
      "From: Zoë Müller <zoe@example.net>",
      "To: imaplib@example.net",
      "Subject: Quarterly figures",
      "Date: Fri, 20 Nov 2026 10:00:00 +0000",
      `Message-ID: ${messageId}`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      "Grüße aus Köln — the figures are attached.",
      ".a line that LMTP has to dot-stuff",
      "",
      "--b1",
      'Content-Type: application/octet-stream; name="figures.bin"',
      "Content-Transfer-Encoding: base64",
      "",
      b64.trimEnd(),
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

describe("imaplib as the phone", () => {
  it("fetches a body from the backend on demand, and its STORE, CREATE+COPY and EXPUNGE reach Dovecot within 1 s", async () => {
    const [user] = USERS;
    const id = "<figures@imaplib.test>";
    const raw = bigMessage(id);
    await dovecot.deliver(user.user, raw);
    const mb = await imapBackedMailbox(dovecot, user);
    await synced(mb.mailboxId);
    const other = await direct(dovecot, user);
    const py = await imaplibSession({ address: mb.address, password: mb.password });
    try {
      const indexed = () =>
        testPrisma().message.findFirst({
          where: { folder: { mailboxId: mb.mailboxId, name: "INBOX" }, messageId: id },
        });
      // Indexed from its headers; the body stays at Dovecot until a phone asks.
      expect((await indexed())?.blobId).toBeNull();

      expect(await py.call("select", "INBOX")).toEqual([Buffer.from("1")]);
      const fetched = await py.call("fetch", "1", "(BODY.PEEK[])");
      const [head, body] = fetched[0] as Buffer[];
      expect(head.toString()).toMatch(/^1 \(BODY\[\] \{\d+\}$/);
      // Exactly Dovecot's bytes: what was delivered, after the trace headers LMTP adds.
      const atBackend = await sourceAtDovecot(other, "INBOX", id);
      expect(body.equals(atBackend)).toBe(true);
      expect(body.subarray(body.length - raw.length).equals(raw)).toBe(true);
      expect((await indexed())?.blobId).not.toBeNull();
      // PEEK: still unread at the backend.
      expect(await atDovecot(other, "INBOX")).toEqual({ [id]: "" });

      await py.call("store", "1", "+FLAGS", "(\\Seen \\Flagged)");
      await eventually(
        async () => (await atDovecot(other, "INBOX"))?.[id] === "FS",
        1000,
        "\\Seen \\Flagged at Dovecot",
      );

      await py.call("create", "Clients/Acme");
      await py.call("copy", "1", "Clients/Acme");
      await eventually(
        async () => (await atDovecot(other, "Clients/Acme"))?.[id] === "FS",
        1000,
        "the copy in Clients/Acme at Dovecot",
      );
      expect((await sourceAtDovecot(other, "Clients/Acme", id)).equals(atBackend)).toBe(true);

      await py.call("store", "1", "+FLAGS", "(\\Deleted)");
      expect(await py.call("expunge")).toEqual([Buffer.from("1")]);
      await eventually(async () => (await atDovecot(other, "INBOX"))?.[id] === undefined, 1000, "expunged at Dovecot");
      expect(await atDovecot(other, "INBOX")).toEqual({});
      expect(await atDovecot(other, "Clients/Acme")).toEqual({ [id]: "FS" });
      expect(await py.logout()).toBe("BYE");
    } finally {
      py.close();
      await other.logout();
    }
  });
});

// --- mbsync with a local Maildir ---

async function dovecotSide(c: ImapFlow): Promise<Snapshot> {
  const snap: Snapshot = {};
  for (const box of await c.list()) snap[box.path] = (await atDovecot(c, box.path)) ?? {};
  return snap;
}

describe("mbsync as the phone", () => {
  it("syncs a local Maildir with the backend both ways through the gateway, once, and then has nothing to do", async () => {
    const [, user] = USERS;
    await dovecot.deliver(user.user, message({ subject: "d1", messageId: "<d1@dovecot.test>" }));
    await dovecot.deliver(user.user, message({ subject: "d2", messageId: "<d2@dovecot.test>" }), { flags: "\\Seen" });
    await dovecot.deliver(user.user, message({ subject: "d3", messageId: "<d3@dovecot.test>" }), {
      folder: "Lists",
      flags: "\\Seen",
    });
    const mb = await imapBackedMailbox(dovecot, user, { pollIntervalSeconds: 1 });
    await synced(mb.mailboxId);
    const other = await direct(dovecot, user);
    const root = path.join(tmp, "mbsync");
    const rc = path.join(tmp, "mbsync.rc");
    await writeFile(rc, rcFile(gw, { address: mb.address, password: mb.password }, root));
    // A message written on the device: flagged, in the local INBOX.
    await putLocal(root, "INBOX", message({ subject: "l1", messageId: "<l1@local.test>" }), "F");

    try {
      // First run: Dovecot's mail comes down, the local message goes up.
      const first = await mbsync(rc);
      expect(first.stats, first.output).toEqual({ far: [1, 0, 0], near: [3, 0, 0] });
      let expected: Snapshot = {
        ...STANDARD,
        INBOX: { "<d1@dovecot.test>": "", "<d2@dovecot.test>": "S", "<l1@local.test>": "F" },
        Lists: { "<d3@dovecot.test>": "S" },
      };
      expect(await maildirSide(root)).toEqual(expected);
      await eventually(
        async () => (await atDovecot(other, "INBOX"))?.["<l1@local.test>"] === "F",
        5000,
        "the local message at Dovecot",
      );
      await settled(mb.mailboxId);
      expect(await dovecotSide(other)).toEqual(expected);
      // Exactly once: no second copy at Dovecot (a retried APPEND), none in the index (an unbound one).
      const l1 = async () => {
        await other.mailboxOpen("INBOX");
        return other.search({ header: { "message-id": "<l1@local.test>" } });
      };
      expect(await l1()).toHaveLength(1);
      const again = await mbsync(rc);
      expect(again.stats, again.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });

      // Flags changed on the device: d1 read and flagged, d2 answered, l1 unflagged.
      await setLocalFlags(root, "<d1@dovecot.test>", "FS");
      await setLocalFlags(root, "<d2@dovecot.test>", "RS");
      await setLocalFlags(root, "<l1@local.test>", "");
      const flagsRun = await mbsync(rc);
      expect(flagsRun.stats, flagsRun.output).toEqual({ far: [0, 3, 0], near: [0, 0, 0] });
      expected = {
        ...expected,
        INBOX: { "<d1@dovecot.test>": "FS", "<d2@dovecot.test>": "RS", "<l1@local.test>": "" },
      };
      await eventually(
        async () => {
          expect(await atDovecot(other, "INBOX")).toEqual(expected.INBOX);
          return true;
        },
        5000,
        "the local flag changes at Dovecot",
      );

      // Once the gateway has settled, a sync has nothing to do and does nothing.
      await settled(mb.mailboxId);
      const filesBefore = await maildirFiles(root);
      const last = await mbsync(rc);
      expect(last.stats, last.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });
      expect(await maildirFiles(root)).toEqual(filesBefore);
      expect(await maildirSide(root)).toEqual(expected);
      expect(await dovecotSide(other)).toEqual(expected);
      expect(await l1()).toHaveLength(1);
    } finally {
      await other.logout();
    }
  }, 120_000);
});

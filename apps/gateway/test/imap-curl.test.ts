// curl's IMAP support (a client nobody here wrote) acts as a phone against a
// real gateway: STARTTLS on the plain port, implicit TLS on the other.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { seedMailbox } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
let tmp: string;
beforeAll(async () => {
  gw = await startTestGateway();
  tmp = await mkdtemp(path.join(os.tmpdir(), "postern-curl-"));
});
afterAll(async () => {
  await gw?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

type Scheme = "imap" | "imaps";
interface Acct {
  address: string;
  password: string;
}

interface CurlResult {
  code: number;
  out: Buffer;
  err: string;
}

/** Run curl against the gateway; `url` is the part after the port ("/INBOX;UID=1"). */
function curl(scheme: Scheme, acct: Acct, url: string, extra: string[] = [], opts: { tls?: boolean } = {}) {
  const port = scheme === "imaps" ? gw.ports.imaps : gw.ports.imap;
  const args = [
    "-sS",
    "-v",
    "--max-time",
    "20",
    "--resolve",
    `localhost:${port}:127.0.0.1`,
    "--user",
    `${acct.address}:${acct.password}`,
    ...(opts.tls === false ? [] : ["--cacert", gw.tls.certPath]),
    ...(scheme === "imap" && opts.tls !== false ? ["--ssl-reqd"] : []),
    ...extra,
    `${scheme}://localhost:${port}${url}`,
  ];
  return new Promise<CurlResult>((resolve) => {
    execFile("curl", args, { encoding: "buffer", timeout: 30_000 }, (err, out, errOut) => {
      const code = err ? Number((err as { code?: unknown }).code ?? -1) : 0;
      resolve({ code, out, err: errOut.toString("latin1") });
    });
  });
}

/** curl that must succeed; on failure the assertion shows curl's wire log. */
async function ok(scheme: Scheme, acct: Acct, url: string, extra: string[] = []): Promise<Buffer> {
  const r = await curl(scheme, acct, url, extra);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

/** Three messages in INBOX with UIDs 2, 3, 4 (UID 1 expunged), the first one read. */
async function seedInbox(acct: Acct) {
  const msgs = [
    message({ subject: "gone" }),
    message({ subject: "Status report", body: "All green.\r\n" }),
    message({ subject: "Lunch plans", body: "Pizza at noon?\r\n" }),
    message({ subject: "Weekend", body: "Hiking on Saturday.\r\n" }),
  ];
  const c = await imapflow(gw, acct);
  for (const [i, m] of msgs.entries()) await c.append("INBOX", m, i === 1 ? ["\\Seen"] : []);
  const lock = await c.getMailboxLock("INBOX");
  try {
    await c.messageDelete("1", { uid: true });
  } finally {
    lock.release();
  }
  await c.logout();
  return { byUid: { 2: msgs[1], 3: msgs[2], 4: msgs[3] } };
}

async function flagsOf(acct: Acct, folder: string) {
  const c = await imapflow(gw, acct);
  const lock = await c.getMailboxLock(folder);
  const out: Record<number, string[]> = {};
  try {
    for await (const m of c.fetch("1:*", { uid: true, flags: true })) out[m.uid] = [...(m.flags ?? [])].sort();
  } finally {
    lock.release();
  }
  await c.logout();
  return out;
}

describe.each<Scheme>(["imap", "imaps"])("curl over %s://", (scheme) => {
  it("lists the folders with their special-use attributes, and a created subfolder", async () => {
    const acct = await seedMailbox(testContext());
    const r = await curl(scheme, acct, "/");
    expect(r.code, r.err).toBe(0);
    // On the plain port the password goes only after STARTTLS.
    if (scheme === "imap") expect(r.err).toMatch(/> A\d+ STARTTLS\r?\n< A\d+ OK[\s\S]*> A\d+ (AUTHENTICATE|LOGIN) /);
    const before = r.out.toString();
    const lines = before.trim().split(/\r?\n/);
    expect(lines).toHaveLength(6);
    for (const [name, use] of [
      ["INBOX", ""],
      ["Sent", "\\Sent"],
      ["Drafts", "\\Drafts"],
      ["Trash", "\\Trash"],
      ["Junk", "\\Junk"],
      ["Archive", "\\Archive"],
    ]) {
      const line = lines.find((l) => new RegExp(` "?${name}"?$`).test(l));
      expect(line, `${name} in ${before}`).toMatch(/^\* LIST \([^)]*\\HasNoChildren[^)]*\) "\/" /);
      if (use) expect(line).toContain(use);
    }
    await ok(scheme, acct, "/", ["-X", "CREATE Projects/2026"]);
    const after = (await ok(scheme, acct, "/")).toString();
    expect(after).toMatch(/^\* LIST \([^)]*\\HasChildren[^)]*\) "\/" "?Projects"?\r?$/m);
    expect(after).toMatch(/^\* LIST \([^)]*\\HasNoChildren[^)]*\) "\/" "?Projects\/2026"?\r?$/m);
  });

  it("searches a folder (?ALL, ?UNSEEN, ?SUBJECT)", async () => {
    const acct = await seedMailbox(testContext());
    await seedInbox(acct);
    expect((await ok(scheme, acct, "/INBOX?ALL")).toString()).toMatch(/^\* SEARCH 1 2 3\r?\n$/);
    expect((await ok(scheme, acct, "/INBOX?UNSEEN")).toString()).toMatch(/^\* SEARCH 2 3\r?\n$/);
    expect((await ok(scheme, acct, "/INBOX?SUBJECT%20lunch")).toString()).toMatch(/^\* SEARCH 2\r?\n$/);
    expect((await ok(scheme, acct, "/Archive?ALL")).toString()).toMatch(/^\* SEARCH\r?\n$/);
  });

  it("fetches a message by UID byte for byte, and its sections", async () => {
    const acct = await seedMailbox(testContext());
    const { byUid } = await seedInbox(acct);
    expect((await ok(scheme, acct, "/INBOX;UID=3")).equals(byUid[3])).toBe(true);
    // curl fetches BODY[], not BODY.PEEK[]: what it read is now \Seen, the rest is not.
    expect(await flagsOf(acct, "INBOX")).toEqual({ 2: ["\\Seen"], 3: ["\\Seen"], 4: [] });
    expect((await ok(scheme, acct, "/INBOX;UID=4")).equals(byUid[4])).toBe(true);
    // MAILINDEX is the sequence number: 1 is UID 2.
    expect((await ok(scheme, acct, "/INBOX;MAILINDEX=1")).equals(byUid[2])).toBe(true);
    expect((await ok(scheme, acct, "/INBOX;UID=3;SECTION=HEADER.FIELDS%20(SUBJECT)")).toString()).toBe(
      "Subject: Lunch plans\r\n\r\n",
    );
    expect((await ok(scheme, acct, "/INBOX;UID=4;SECTION=TEXT")).toString()).toBe("Hiking on Saturday.\r\n");
  });

  it("fails a fetch of a UID that does not exist", async () => {
    const acct = await seedMailbox(testContext());
    await seedInbox(acct);
    const r = await curl(scheme, acct, "/INBOX;UID=1");
    expect(r.out.length).toBe(0);
    // curl reports a FETCH that returned nothing as "no such message" (CURLE_REMOTE_FILE_NOT_FOUND = 78).
    expect(r.code, r.err).toBe(78);
  });

  it("uploads a message to Sent with -T (APPEND) byte for byte", async () => {
    const acct = await seedMailbox(testContext());
    const raw = message({ subject: "Sent from curl", messageId: `<curl-${scheme}@example.net>` });
    const file = path.join(tmp, `${acct.mailboxId}.eml`);
    await writeFile(file, raw);
    const r = await curl(scheme, acct, "/Sent", ["-T", file]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/< A\d+ OK \[APPENDUID \d+ 1\]/);
    const c = await imapflow(gw, acct);
    const lock = await c.getMailboxLock("Sent");
    try {
      const msgs = [];
      for await (const m of c.fetch("1:*", { uid: true, source: true, envelope: true })) msgs.push(m);
      expect(msgs).toHaveLength(1);
      expect(msgs[0].uid).toBe(1);
      expect(msgs[0].envelope?.messageId).toBe(`<curl-${scheme}@example.net>`);
      expect(msgs[0].source?.equals(raw)).toBe(true);
    } finally {
      lock.release();
      await c.logout();
    }
    expect((await ok(scheme, acct, "/Sent;UID=1")).equals(raw)).toBe(true);
  });

  it("runs custom commands with -X: UID STORE on a selected folder, STATUS", async () => {
    const acct = await seedMailbox(testContext());
    await seedInbox(acct);
    const stored = (await ok(scheme, acct, "/INBOX", ["-X", "UID STORE 3 +FLAGS (\\Flagged $Todo)"])).toString();
    expect(stored).toMatch(/^\* 2 FETCH \(.*FLAGS \((?=[^)]*\\Flagged)(?=[^)]*\$Todo)[^)]*\)/);
    expect(await flagsOf(acct, "INBOX")).toEqual({ 2: ["\\Seen"], 3: ["$Todo", "\\Flagged"], 4: [] });
    const status = (await ok(scheme, acct, "/", ["-X", "STATUS INBOX (MESSAGES UNSEEN UIDNEXT)"])).toString();
    expect(status).toMatch(/^\* STATUS "?INBOX"? \(MESSAGES 3 UNSEEN 2 UIDNEXT 5\)\r?\n$/);
  });
});

describe("curl login refusals", () => {
  it("cannot log in on the plain port: the server advertises LOGINDISABLED and refuses", async () => {
    const acct = await seedMailbox(testContext());
    const r = await curl("imap", acct, "/", [], { tls: false });
    expect(r.code).not.toBe(0);
    expect(r.out.length).toBe(0);
    expect(r.err).toContain("LOGINDISABLED");
    expect(r.err).not.toMatch(/< A\d+ OK .*Logged in/);
  });

  it("is refused a wrong password with [AUTHENTICATIONFAILED]", async () => {
    const acct = await seedMailbox(testContext());
    const r = await curl("imaps", { ...acct, password: `${acct.password}x` }, "/");
    // CURLE_LOGIN_DENIED
    expect(r.code).toBe(67);
    expect(r.err).toMatch(/< A\d+ NO \[AUTHENTICATIONFAILED\]/);
  });
});

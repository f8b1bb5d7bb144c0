// A POP3 maildrop behaves like a full IMAP account on the phone: real
// Dovecot POP3 as the backend, imapflow as two phones, Python's poplib as
// the check of what the POP3 server really holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMaildir } from "../../../bench/imap/maildir.ts";
import { pop3BackedMailbox, pop3Ids, synced } from "../../../test/helpers/backend.ts";
import { testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { spawnGateway } from "../../../test/helpers/gateway-process.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { python } from "../../../test/helpers/python.ts";
import { startTcpProxy } from "../../../test/helpers/tcp-proxy.ts";

const USERS = [
  { user: "pop1", password: "pop1-pass" },
  { user: "pop2", password: "pop2-pass" },
  { user: "pop3", password: "pop3-pass" },
  { user: "pop4", password: "pop4-pass" },
  { user: "pop5", password: "pop5-pass" },
];
let dovecot: Dovecot;

beforeAll(async () => {
  dovecot = await startDovecot({ users: USERS });
}, 60_000);
afterAll(() => dovecot?.stop());

/** The Message-IDs the POP3 server holds now, read by Python's poplib. */
const onServer = (user: { user: string; password: string }) => pop3Ids(dovecot, user);

describe("POP3 backend", () => {
  it("new mail reaches an IDLE-ing phone within a poll; read, flag, file and delete match on a second phone; the delete reaches the server", async () => {
    const gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      await dovecot.deliver("pop1", message({ subject: "Old", messageId: "<old@pop1>" }));
      const mb = await pop3BackedMailbox(dovecot, USERS[0]);
      await synced(mb.mailboxId);
      const acct = { address: mb.address, password: mb.password };
      const phone = await imapflow(gw, acct);
      await phone.mailboxOpen("INBOX");
      let exists = 0;
      phone.on("exists", (d) => {
        exists = d.count;
      });
      void phone.idle();
      const t = Date.now();
      await dovecot.deliver("pop1", message({ subject: "New", messageId: "<new@pop1>" }));
      await eventually(async () => exists === 2, 5000, "the new message on the phone");
      expect(Date.now() - t).toBeLessThan(3000); // poll interval 1 s

      await phone.noop();
      await phone.messageFlagsAdd({ header: { "message-id": "<new@pop1>" } }, ["\\Seen", "\\Flagged"]);
      await phone.mailboxCreate("Receipts");
      await phone.messageMove({ header: { "message-id": "<new@pop1>" } }, "Receipts");
      await phone.messageDelete({ header: { "message-id": "<old@pop1>" } });

      const second = await imapflow(gw, acct);
      expect((await second.list()).map((f) => f.path)).toContain("Receipts");
      expect(await second.status("INBOX", { messages: true })).toMatchObject({ messages: 0 });
      const lock = await second.getMailboxLock("Receipts");
      try {
        const m = await second.fetchOne("1", { envelope: true, flags: true, source: true });
        expect(m && m.envelope?.messageId).toBe("<new@pop1>");
        expect(m && [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort()).toEqual(["\\Flagged", "\\Seen"]);
        expect(m && m.source?.toString()).toContain("see you soon");
      } finally {
        lock.release();
      }
      // Deleted on the phone → DELE at the server; filed with "leave on server" → still there.
      // A delete waits POP3_DELETE_GRACE_MS (an upload of the same message may take it back), then DELE.
      await eventually(async () => !(await onServer(USERS[0])).includes("<old@pop1>"), 30_000, "DELE at the server");
      expect(await onServer(USERS[0])).toEqual(["<new@pop1>"]);
      // The filed message is hidden from INBOX, not indexed twice.
      await phone.noop().catch(() => {});
      expect(await second.status("INBOX", { messages: true })).toMatchObject({ messages: 0 });
      await Promise.all([phone.logout().catch(() => {}), second.logout()]);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("with a ten-minute poll, a phone opening INBOX (imaplib) or IDLE-ing on it (imapflow) makes the gateway look at once", async () => {
    const gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      const mb = await pop3BackedMailbox(dovecot, USERS[4], { pollIntervalSeconds: 600 });
      await synced(mb.mailboxId);
      await dovecot.deliver("pop5", message({ subject: "Opened", messageId: "<opened@pop5>" }));
      // Python's imaplib selects INBOX and looks with NOOP until the message is there.
      const found = await python(
        `
import imaplib, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.starttls(ssl_context=ctx)
M.login(sys.argv[3], sys.argv[4])
t = time.time()
M.select("INBOX")
while time.time() - t < 8:
    typ, data = M.search(None, 'HEADER', 'Message-ID', '<opened@pop5>')
    if data[0]:
        print("found %.1f" % (time.time() - t)); break
    time.sleep(0.2); M.noop()
else:
    print("missing")
M.logout()
`,
        [gw.ports.imap, gw.tls.certPath, mb.address, mb.password],
      );
      expect(found).toMatch(/^found /);

      // IDLE on INBOX also makes it look (five seconds after the last look at most).
      await new Promise((r) => setTimeout(r, 5200));
      const phone = await imapflow(gw, { address: mb.address, password: mb.password });
      const box = await phone.mailboxOpen("INBOX");
      const before = box.exists;
      await new Promise((r) => setTimeout(r, 5200));
      await dovecot.deliver("pop5", message({ subject: "Idled", messageId: "<idled@pop5>" }));
      let exists = before;
      phone.on("exists", (d) => {
        exists = d.count;
      });
      void phone.idle();
      await eventually(async () => exists === before + 1, 8000, "the message announced in IDLE");
      await phone.logout().catch(() => {});
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("filing with 'remove from server' deletes the server copy, and the phone still reads it after a gateway restart", async () => {
    await dovecot.deliver(
      "pop2",
      message({ subject: "Keep me", messageId: "<keep@pop2>", body: "the filed body\r\n" }),
    );
    const mb = await pop3BackedMailbox(dovecot, USERS[1], { leaveOnServer: false });
    let gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      await synced(mb.mailboxId);
      const phone = await imapflow(gw, { address: mb.address, password: mb.password });
      await phone.mailboxOpen("INBOX");
      await phone.messageMove("1", "Archive");
      await eventually(async () => (await onServer(USERS[1])).length === 0, 10_000, "removed from the server");
      await phone.logout();
    } finally {
      await gw.close();
    }
    gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      const phone = await imapflow(gw, { address: mb.address, password: mb.password });
      const lock = await phone.getMailboxLock("Archive");
      try {
        const m = await phone.fetchOne("1", { source: true });
        expect(m && m.source?.toString()).toContain("the filed body");
      } finally {
        lock.release();
      }
      expect(await phone.status("INBOX", { messages: true })).toMatchObject({ messages: 0 });
      await phone.logout();
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("a POP3 session dropped before QUIT leaves the delete pending, and the next session applies it", async () => {
    for (let i = 1; i <= 2; i++)
      await dovecot.deliver("pop3", message({ subject: `Q${i}`, messageId: `<q${i}@pop3>` }));
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: dovecot.pop3Port });
    const gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      const mb = await pop3BackedMailbox(dovecot, USERS[2], { port: proxy.port, security: "none" });
      await synced(mb.mailboxId);
      const phone = await imapflow(gw, { address: mb.address, password: mb.password });
      await phone.mailboxOpen("INBOX");
      proxy.cutWhen = /^QUIT/im;
      await phone.messageDelete({ header: { "message-id": "<q1@pop3>" } });
      // The delete was tried, and its session cut at QUIT.
      await eventually(
        async () => {
          const op = await testPrisma().pendingOp.findFirst({ where: { mailboxId: mb.mailboxId, kind: "expunge" } });
          return proxy.cuts > 0 && !!op && op.attempts >= 1 && op.state === "pending";
        },
        30_000,
        "an expunge attempt cut before QUIT",
      );
      // POP3 commits at QUIT only: the server still has it, and the op waits.
      expect(await onServer(USERS[2])).toEqual(["<q1@pop3>", "<q2@pop3>"]);
      expect(await testPrisma().pendingOp.count({ where: { mailboxId: mb.mailboxId, kind: "expunge" } })).toBe(1);
      proxy.cutWhen = null;
      await eventually(async () => (await onServer(USERS[2])).join() === "<q2@pop3>", 30_000, "the retried delete");
      await eventually(
        async () => (await testPrisma().pendingOp.count({ where: { mailboxId: mb.mailboxId } })) === 0,
        10_000,
        "the op to be done",
      );
      await phone.logout();
    } finally {
      await gw.close();
      await proxy.close();
    }
  }, 90_000);

  it("kill -9 of the gateway in the middle of downloading a maildrop loses and duplicates nothing", async () => {
    const COUNT = 1500;
    await writeMaildir({ dir: dovecot.maildir("pop4"), owner: dovecot.mailUser, count: COUNT, progress: () => {} });
    const mb = await pop3BackedMailbox(dovecot, USERS[3]);
    const gw = await spawnGateway();
    try {
      const indexed = () => testPrisma().message.count({ where: { folder: { mailboxId: mb.mailboxId } } });
      await eventually(async () => (await indexed()) > 0, 60_000, "the download to start");
      await gw.kill9();
      const atKill = await indexed();
      expect(atKill).toBeLessThan(COUNT);
      await gw.restart();
      await synced(mb.mailboxId, 120_000, Date.now());
      const rows = await testPrisma().message.findMany({
        where: { folder: { mailboxId: mb.mailboxId } },
        select: { backendRef: true, blobId: true },
      });
      expect(rows).toHaveLength(COUNT);
      expect(new Set(rows.map((r) => r.backendRef)).size).toBe(COUNT);
      expect(rows.every((r) => r.blobId)).toBe(true); // every body stored durably
      console.log(`kill -9 during POP3 download: ${atKill}/${COUNT} at the kill, ${rows.length} after the restart`);
    } finally {
      await gw.stop();
    }
  }, 240_000);
});

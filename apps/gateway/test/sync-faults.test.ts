// Faults on the way to and from the backend: it goes down while phones keep
// changing mail; the gateway is killed with SIGKILL in the middle of a sync
// and in the middle of applying pending operations. Afterwards the index and
// the backend must agree — nothing lost, nothing doubled.
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMaildir } from "../../../bench/imap/maildir.ts";
import { direct, imapBackedMailbox, synced } from "../../../test/helpers/backend.ts";
import { testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { spawnGateway } from "../../../test/helpers/gateway-process.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";

const USERS = [
  { user: "down", password: "down-pass" },
  { user: "killops", password: "killops-pass" },
  { user: "killsync", password: "killsync-pass" },
];
let dovecot: Dovecot;

beforeAll(async () => {
  dovecot = await startDovecot({ users: USERS, pop3: false });
}, 60_000);
afterAll(() => dovecot?.stop());

async function pendingOps(mailboxId: string): Promise<number> {
  return testPrisma().pendingOp.count({ where: { mailboxId, state: { in: ["pending", "running"] } } });
}

/** Message-ID → flags (sorted, without \Recent) of every message in a folder, through a client. */
async function contents(client: ImapFlow, folder: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const lock = await client.getMailboxLock(folder);
  try {
    const st = await client.status(folder, { messages: true });
    if (!st || !st.messages) return out;
    for await (const m of client.fetch("1:*", { envelope: true, flags: true })) {
      const id = m.envelope?.messageId ?? "";
      if (out.has(id)) out.set(`${id}#dup${out.size}`, []);
      else out.set(id, [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort());
    }
  } finally {
    lock.release();
  }
  return out;
}

describe("backend down", () => {
  it("queues phone changes while Dovecot is down and applies each exactly once when it returns", async () => {
    const gw = await startTestGateway({ POSTERN_SYNC: "true" });
    try {
      for (let i = 1; i <= 3; i++)
        await dovecot.deliver("down", message({ subject: `D${i}`, messageId: `<d${i}@down>` }));
      const mb = await imapBackedMailbox(dovecot, USERS[0]);
      await synced(mb.mailboxId);
      const phone = await imapflow(gw, { address: mb.address, password: mb.password });
      await phone.mailboxOpen("INBOX");

      await dovecot.kill();
      await phone.messageFlagsAdd({ header: { "message-id": "<d1@down>" } }, ["\\Flagged"]);
      await phone.mailboxCreate("Filed");
      await phone.messageMove({ header: { "message-id": "<d2@down>" } }, "Filed");
      await phone.append("INBOX", message({ subject: "Offline", messageId: "<offline@down>" }));
      // The phone saw its changes at once; the index holds them.
      expect((await phone.status("Filed", { messages: true })) || {}).toMatchObject({ messages: 1 });
      // A body never downloaded cannot be read while the backend is down.
      await expect(phone.fetchOne("2", { source: true })).rejects.toThrow();
      await eventually(async () => (await pendingOps(mb.mailboxId)) >= 4, 5000, "ops queued");
      await eventually(
        async () => (await testPrisma().mailbox.findUnique({ where: { id: mb.mailboxId } }))?.syncState === "error",
        10_000,
        "the mailbox to show the backend is unreachable",
      );

      await dovecot.restart();
      await eventually(async () => (await pendingOps(mb.mailboxId)) === 0, 90_000, "the queue to drain");
      const other = await direct(dovecot, USERS[0]);
      const inbox = await contents(other, "INBOX");
      expect([...inbox.keys()].sort()).toEqual(["<d1@down>", "<d3@down>", "<offline@down>"]);
      expect(inbox.get("<d1@down>")).toContain("\\Flagged");
      expect([...(await contents(other, "Filed")).keys()]).toEqual(["<d2@down>"]);
      await Promise.all([phone.logout(), other.logout()]);
    } finally {
      await dovecot.restart().catch(() => {});
      await gw.close();
    }
  }, 150_000);
});

describe("kill -9 of the gateway", () => {
  it("during a flush of pending operations: after a restart the index and the backend agree", async () => {
    for (let i = 1; i <= 30; i++)
      await dovecot.deliver("killops", message({ subject: `K${i}`, messageId: `<k${i}@ops>` }));
    const mb = await imapBackedMailbox(dovecot, USERS[1]);
    const gw = await spawnGateway();
    try {
      await synced(mb.mailboxId, 30_000);
      const phone = new ImapFlow({
        host: "127.0.0.1",
        port: gw.ports.imap,
        secure: false,
        doSTARTTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: mb.address, pass: mb.password },
        logger: false,
      });
      await phone.connect();
      await phone.mailboxOpen("INBOX");
      await phone.mailboxCreate("Done");
      // Many small changes, so the kill lands in the middle of applying them.
      for (let i = 1; i <= 30; i++) {
        if (i % 3 === 0) await phone.messageMove({ header: { "message-id": `<k${i}@ops>` } }, "Done");
        else
          await phone.messageFlagsAdd(
            { header: { "message-id": `<k${i}@ops>` } },
            i % 2 ? ["\\Seen"] : ["\\Flagged", "$Work"],
          );
      }
      for (let i = 1; i <= 5; i++) await phone.append("INBOX", message({ subject: `A${i}`, messageId: `<a${i}@ops>` }));
      await phone.close();
      const queued = await pendingOps(mb.mailboxId);
      await eventually(async () => (await pendingOps(mb.mailboxId)) < queued, 20_000, "the flush to start");
      await gw.kill9();
      const left = await pendingOps(mb.mailboxId);
      await gw.restart();
      await eventually(
        async () => (await pendingOps(mb.mailboxId)) === 0,
        60_000,
        "the queue to drain after the restart",
      );
      await synced(mb.mailboxId, 30_000, Date.now());

      const other = await direct(dovecot, USERS[1]);
      const phone2 = new ImapFlow({
        host: "127.0.0.1",
        port: gw.ports.imap,
        secure: false,
        doSTARTTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: mb.address, pass: mb.password },
        logger: false,
      });
      await phone2.connect();
      for (const folder of ["INBOX", "Done"]) {
        const backend = await contents(other, folder);
        const index = await contents(phone2, folder);
        expect([...backend.keys()].sort(), `${folder} at the backend (ops left at kill: ${left})`).toEqual(
          [...index.keys()].sort(),
        );
        for (const [id, flags] of backend) expect(index.get(id), `${id} in ${folder}`).toEqual(flags);
      }
      expect((await contents(other, "Done")).size).toBe(10);
      expect((await contents(other, "INBOX")).size).toBe(25);
      await Promise.all([other.logout(), phone2.logout()]);
    } finally {
      await gw.stop();
    }
  }, 180_000);

  it("during the initial sync of a large mailbox: after a restart every message is indexed once", async () => {
    const COUNT = 3000;
    await writeMaildir({ dir: dovecot.maildir("killsync"), owner: dovecot.mailUser, count: COUNT, progress: () => {} });
    const mb = await imapBackedMailbox(dovecot, USERS[2]);
    const gw = await spawnGateway();
    try {
      const indexed = async () =>
        testPrisma().message.count({ where: { folder: { mailboxId: mb.mailboxId, name: "INBOX" } } });
      await eventually(async () => (await indexed()) > 0, 60_000, "indexing to start");
      await gw.kill9();
      const atKill = await indexed();
      expect(atKill).toBeLessThan(COUNT);
      await gw.restart();
      await synced(mb.mailboxId, 120_000, Date.now());
      const rows = await testPrisma().message.findMany({
        where: { folder: { mailboxId: mb.mailboxId, name: "INBOX" } },
        select: { uid: true, backendRef: true },
        orderBy: { uid: "asc" },
      });
      expect(rows).toHaveLength(COUNT);
      expect(new Set(rows.map((r) => r.backendRef)).size).toBe(COUNT);
      const folder = await testPrisma().folder.findFirst({ where: { mailboxId: mb.mailboxId, name: "INBOX" } });
      expect(folder!.uidNext).toBeGreaterThan(rows[rows.length - 1].uid);
      console.log(
        `kill -9 during initial sync: ${atKill}/${COUNT} indexed at the kill, ${rows.length} after the restart`,
      );
    } finally {
      await gw.stop();
    }
  }, 240_000);
});

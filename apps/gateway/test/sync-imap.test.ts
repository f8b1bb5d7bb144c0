// The IMAP backend end to end: a real Dovecot holds the mail, phones talk to
// the gateway, and a second client connected straight to Dovecot plays the
// other device (or the webmail) changing mail at the backend.
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackedMailbox, direct, imapBackedMailbox, synced } from "../../../test/helpers/backend.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";

let dovecot: Dovecot;
let gw: Awaited<ReturnType<typeof startTestGateway>>;
const USERS = [
  { user: "b2p", password: "b2p-pass" },
  { user: "p2b", password: "p2b-pass" },
  { user: "tree", password: "tree-pass" },
];

beforeAll(async () => {
  [dovecot, gw] = await Promise.all([
    startDovecot({ users: USERS, pop3: false }),
    startTestGateway({ POSTERN_SYNC: "true" }),
  ]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await dovecot?.stop();
});

async function setup(user: {
  user: string;
  password: string;
}): Promise<{ mb: BackedMailbox; phone: ImapFlow; other: ImapFlow }> {
  const mb = await imapBackedMailbox(dovecot, user);
  await synced(mb.mailboxId);
  const phone = await imapflow(gw, { address: mb.address, password: mb.password });
  const other = await direct(dovecot, user);
  return { mb, phone, other };
}

function heard(client: ImapFlow) {
  const events: Array<{ at: number; what: string }> = [];
  client.on("exists", (d) => events.push({ at: Date.now(), what: `exists ${d.count}` }));
  client.on("flags", (d) => events.push({ at: Date.now(), what: `flags ${[...d.flags].sort().join(" ")}` }));
  client.on("expunge", () => events.push({ at: Date.now(), what: "expunge" }));
  return {
    events,
    async within(ms: number, since: number, match: (w: string) => boolean): Promise<number> {
      await eventually(
        async () => events.some((e) => e.at >= since && match(e.what)),
        ms,
        `event within ${ms} ms`,
      ).catch(() => {
        throw new Error(`not heard within ${ms} ms; heard: ${events.map((e) => e.what).join("; ")}`);
      });
      return (events.find((e) => e.at >= since && match(e.what))?.at ?? 0) - since;
    },
  };
}

describe("backend → phone", () => {
  it("new mail, read, flagged, filed and deleted at the backend reach an IDLE-ing phone within 1 s", async () => {
    const { mb, phone, other } = await setup(USERS[0]);
    await phone.mailboxOpen("INBOX");
    const h = heard(phone);
    void phone.idle();

    let t = Date.now();
    await dovecot.deliver(USERS[0].user, message({ subject: "Fresh", messageId: "<fresh@b2p>" }));
    expect(await h.within(1000, t, (w) => w === "exists 1")).toBeLessThan(1000);

    await other.mailboxOpen("INBOX");
    t = Date.now();
    await other.messageFlagsAdd("1", ["\\Seen"]);
    expect(await h.within(1000, t, (w) => w.startsWith("flags") && w.includes("\\Seen"))).toBeLessThan(1000);

    t = Date.now();
    await other.messageFlagsAdd("1", ["\\Flagged"]);
    expect(await h.within(1000, t, (w) => w.startsWith("flags") && w.includes("\\Flagged"))).toBeLessThan(1000);

    await other.mailboxCreate("Filed");
    t = Date.now();
    await other.messageMove("1", "Filed");
    expect(await h.within(1000, t, (w) => w === "expunge")).toBeLessThan(1000);

    // The folder a message was filed into shows it within the poll interval (1 s here).
    const second = await imapflow(gw, { address: mb.address, password: mb.password });
    await eventually(
      async () => (await second.list()).some((f) => f.path === "Filed"),
      5000,
      "Filed folder on the phone",
    );
    await eventually(
      async () => ((await second.status("Filed", { messages: true })) || { messages: 0 }).messages === 1,
      5000,
      "message in Filed",
    );

    await dovecot.deliver(USERS[0].user, message({ subject: "Doomed", messageId: "<doomed@b2p>" }));
    await h.within(1000, Date.now() - 50, (w) => w.startsWith("exists"));
    await other.noop(); // the direct client learns of the new message first
    t = Date.now();
    await other.messageDelete({ header: { "message-id": "<doomed@b2p>" } });
    expect(await h.within(1000, t, (w) => w === "expunge")).toBeLessThan(1000);
    await Promise.all([phone.logout().catch(() => {}), other.logout(), second.logout()]);
  });
});

describe("phone → backend", () => {
  it("read/unread, flag, move, delete, move to Trash, append to Sent and folder changes reach the backend within 1 s", async () => {
    for (let i = 1; i <= 4; i++) {
      await dovecot.deliver(USERS[1].user, message({ subject: `P${i}`, messageId: `<p${i}@p2b>` }));
    }
    const { phone, other } = await setup(USERS[1]);
    await other.mailboxOpen("INBOX");
    const flagsAt = async (messageId: string, folder = "INBOX") => {
      const lock = await other.getMailboxLock(folder);
      try {
        await other.noop(); // a folder kept selected learns of new arrivals
        for await (const m of other.fetch("1:*", { envelope: true, flags: true })) {
          if (m.envelope?.messageId === messageId) return [...(m.flags ?? [])].sort();
        }
        return null;
      } finally {
        lock.release();
      }
    };
    const within = (what: string, fn: () => Promise<boolean>) => eventually(fn, 1000, what);
    // STATUS, not LIST: Dovecot's mailbox list index can miss a folder
    // created by another session within the same second (mtime resolution).
    const existsAtBackend = async (folder: string) =>
      Boolean(await other.status(folder, { messages: true }).catch(() => false));

    await phone.mailboxOpen("INBOX");
    await phone.messageFlagsAdd({ header: { "message-id": "<p1@p2b>" } }, ["\\Seen"]);
    await within("\\Seen at the backend", async () => (await flagsAt("<p1@p2b>"))?.includes("\\Seen") ?? false);
    await phone.messageFlagsRemove({ header: { "message-id": "<p1@p2b>" } }, ["\\Seen"]);
    await within("unread at the backend", async () => !((await flagsAt("<p1@p2b>")) ?? ["x"]).includes("\\Seen"));
    await phone.messageFlagsAdd({ header: { "message-id": "<p2@p2b>" } }, ["\\Flagged"]);
    await within("\\Flagged at the backend", async () => (await flagsAt("<p2@p2b>"))?.includes("\\Flagged") ?? false);

    await phone.mailboxCreate("Projects");
    await within("folder created at the backend", () => existsAtBackend("Projects"));
    await phone.messageMove({ header: { "message-id": "<p2@p2b>" } }, "Projects");
    await within("moved at the backend", async () => (await flagsAt("<p2@p2b>", "Projects")) !== null);
    expect(await flagsAt("<p2@p2b>")).toBeNull();
    expect(await flagsAt("<p2@p2b>", "Projects")).toContain("\\Flagged");

    await phone.messageDelete({ header: { "message-id": "<p3@p2b>" } });
    await within("deleted at the backend", async () => (await flagsAt("<p3@p2b>")) === null);

    await phone.messageMove({ header: { "message-id": "<p4@p2b>" } }, "Trash");
    await within("moved to Trash at the backend", async () => (await flagsAt("<p4@p2b>", "Trash")) !== null);

    await phone.append("Sent", message({ subject: "Sent from phone", messageId: "<sent@p2b>" }), ["\\Seen"]);
    await within("appended to Sent at the backend", async () => (await flagsAt("<sent@p2b>", "Sent")) !== null);

    await phone.mailboxRename("Projects", "Archive/Projects");
    await within("renamed at the backend", () => existsAtBackend("Archive/Projects"));
    expect(await flagsAt("<p2@p2b>", "Archive/Projects")).toContain("\\Flagged");
    await phone.mailboxCreate("Scratch");
    await within("Scratch at the backend", () => existsAtBackend("Scratch"));
    await phone.mailboxDelete("Scratch");
    await within("Scratch gone at the backend", async () => !(await existsAtBackend("Scratch")));

    // Nothing was duplicated on either side.
    const sentLock = await other.getMailboxLock("Sent");
    try {
      const ids: string[] = [];
      for await (const m of other.fetch("1:*", { envelope: true })) ids.push(m.envelope?.messageId ?? "");
      expect(ids.filter((x) => x === "<sent@p2b>")).toHaveLength(1);
    } finally {
      sentLock.release();
    }
    expect(await phone.status("Sent", { messages: true })).toMatchObject({ messages: 1 });
    await Promise.all([phone.logout(), other.logout()]);
  });
});

describe("initial sync", () => {
  it("mirrors the backend's folder tree, special-use folders and flags", async () => {
    const pre = await direct(dovecot, USERS[2]);
    await pre.mailboxCreate("Clients/Acme");
    await pre.mailboxCreate("Sent");
    await pre.append("Clients/Acme", message({ subject: "Quote", messageId: "<quote@tree>" }), [
      "\\Seen",
      "$Important",
    ]);
    await pre.logout();
    const { phone, other } = await setup(USERS[2]);
    const paths = (await phone.list()).map((f) => f.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["Clients", "Clients/Acme", "INBOX", "Sent"]));
    const lock = await phone.getMailboxLock("Clients/Acme");
    try {
      const m = await phone.fetchOne("1", { envelope: true, flags: true, bodyStructure: true, source: true });
      expect(m && m.envelope?.subject).toBe("Quote");
      expect(m && [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort()).toEqual(["$Important", "\\Seen"]);
      // The body was fetched from the backend on demand.
      expect(m && m.source?.toString()).toContain("see you soon");
    } finally {
      lock.release();
    }
    await Promise.all([phone.logout(), other.logout()]);
  });
});

// Many sessions, one mailbox: changes one phone makes reach the others where
// RFC 3501 §7.4.1 allows, within a second in IDLE; QRESYNC returns exactly
// what changed; concurrent writers never share a UID.
import { seedMailbox } from "@postern/db/seed";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

interface Heard {
  at: number;
  what: string;
}

/** B idles on a folder and records what it hears, with timestamps. */
function listen(client: ImapFlow): Heard[] {
  const heard: Heard[] = [];
  client.on("exists", (d) => heard.push({ at: Date.now(), what: `exists ${d.count}` }));
  client.on("flags", (d) =>
    heard.push({ at: Date.now(), what: `flags ${d.uid ?? `#${d.seq}`} ${[...d.flags].sort().join(" ")}` }),
  );
  client.on("expunge", (d) => heard.push({ at: Date.now(), what: `expunge ${d.uid ?? `#${d.seq}`}` }));
  return heard;
}

async function heardWithin(heard: Heard[], match: (h: Heard) => boolean, since: number, ms = 1000): Promise<number> {
  const deadline = since + ms;
  for (;;) {
    const h = heard.find((x) => x.at >= since && match(x));
    if (h) return h.at - since;
    if (Date.now() > deadline)
      throw new Error(`not heard within ${ms} ms; heard: ${heard.map((x) => x.what).join("; ")}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("two phones on one mailbox", () => {
  it("B in IDLE hears each change A makes within 1 s: new mail, flags, move, expunge", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const a = await imapflow(gw, acct);
    const b = await imapflow(gw, acct);
    const c = await imapflow(gw, acct);
    for (let i = 1; i <= 3; i++) await a.append("INBOX", message({ subject: `M${i}` }));
    await a.mailboxOpen("INBOX");
    await b.mailboxOpen("INBOX");
    await c.mailboxOpen("Archive");
    const hb = listen(b);
    const hc = listen(c);
    void b.idle();
    void c.idle();

    let t = Date.now();
    await a.messageFlagsAdd("2", ["\\Flagged"], { uid: true });
    expect(await heardWithin(hb, (h) => h.what.startsWith("flags") && h.what.includes("\\Flagged"), t)).toBeLessThan(
      1000,
    );

    t = Date.now();
    await a.messageMove("1", "Archive", { uid: true });
    expect(await heardWithin(hb, (h) => h.what.startsWith("expunge"), t)).toBeLessThan(1000);
    // The phone looking at Archive sees the message arrive there.
    expect(await heardWithin(hc, (h) => h.what === "exists 1", t)).toBeLessThan(1000);

    t = Date.now();
    await a.messageFlagsAdd("3", ["\\Deleted"], { uid: true });
    await a.messageDelete("3", { uid: true });
    expect(await heardWithin(hb, (h) => h.what.startsWith("expunge"), t)).toBeLessThan(1000);

    t = Date.now();
    await a.append("INBOX", message({ subject: "M4" }));
    expect(await heardWithin(hb, (h) => h.what === "exists 2", t)).toBeLessThan(1000);

    // B's view now matches A's.
    await b.noop();
    const uidsB: number[] = [];
    for await (const x of b.fetch("1:*", { uid: true })) uidsB.push(x.uid);
    expect(uidsB).toEqual([2, 4]);
    await Promise.all([a.logout(), b.logout(), c.logout()]);
  });

  it("does not shift sequence numbers under a client during FETCH/STORE/SEARCH (RFC 3501 §7.4.1)", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const a = await imapflow(gw, acct);
    const b = await imapflow(gw, acct);
    for (let i = 1; i <= 3; i++) await a.append("INBOX", message({ subject: `S${i}` }));
    await a.mailboxOpen("INBOX");
    await b.mailboxOpen("INBOX");
    await a.messageDelete("1", { uid: true });
    // B's non-UID FETCH must not carry the EXPUNGE; its numbers stay valid.
    const expunges: number[] = [];
    b.on("expunge", (d) => expunges.push(d.seq ?? -1));
    const seen: Array<[number, number]> = [];
    for await (const x of b.fetch("1:3", { uid: true })) seen.push([x.seq, x.uid]);
    expect(seen).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(expunges).toEqual([]);
    // The next command that allows it delivers the EXPUNGE.
    await b.noop();
    expect(expunges).toEqual([1]);
    await Promise.all([a.logout(), b.logout()]);
  });

  it("QRESYNC SELECT after a disconnect returns exactly the changes and VANISHED UIDs since the client's MODSEQ", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const a = await imapflow(gw, acct);
    for (let i = 1; i <= 6; i++) await a.append("INBOX", message({ subject: `Q${i}` }));
    const phone = await imapflow(gw, acct, { qresync: true });
    const first = await phone.mailboxOpen("INBOX");
    const modseq = first.highestModseq as bigint;
    const uidValidity = first.uidValidity;
    await phone.logout();

    await a.mailboxOpen("INBOX");
    await a.messageFlagsAdd("2", ["\\Seen"], { uid: true });
    await a.messageFlagsAdd("4", ["$Label"], { uid: true });
    await a.messageFlagsAdd("5", ["\\Flagged"], { uid: true });
    await a.messageDelete("5", { uid: true }); // changed, then gone: only VANISHED
    await a.messageMove("6", "Archive", { uid: true });
    await a.append("INBOX", message({ subject: "Q7" }));
    await a.logout();

    const back = await imapflow(gw, acct, { qresync: true });
    const vanished: number[] = [];
    const changed: Array<[number, string]> = [];
    back.on("expunge", (d) => {
      if (d.vanished && d.uid) vanished.push(d.uid);
    });
    back.on("flags", (d) =>
      changed.push([
        d.uid as number,
        [...d.flags]
          .filter((f) => f !== "\\Recent")
          .sort()
          .join(" "),
      ]),
    );
    const reopened = await back.mailboxOpen("INBOX", { changedSince: modseq, uidValidity });
    expect(vanished.sort((x, y) => x - y)).toEqual([5, 6]);
    expect(changed.sort((x, y) => x[0] - y[0])).toEqual([
      [2, "\\Seen"],
      [4, "$Label"],
      [7, ""],
    ]);
    expect(reopened.exists).toBe(5);
    expect(reopened.highestModseq).toBeGreaterThan(modseq);
    await back.logout();
  });
});

describe("concurrent writers", () => {
  it("never produce duplicate UIDs, and UIDs ascend in commit order", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const clients = await Promise.all(Array.from({ length: 5 }, () => imapflow(gw, acct)));
    await Promise.all(
      clients.map(async (c, ci) => {
        for (let i = 0; i < 20; i++) await c.append("INBOX", message({ subject: `c${ci}-${i}` }));
      }),
    );
    const folder = await testPrisma().folder.findFirst({ where: { mailboxId: m.mailboxId, name: "INBOX" } });
    const rows = await testPrisma().message.findMany({ where: { folderId: folder!.id }, orderBy: { uid: "asc" } });
    expect(rows.map((r) => r.uid)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // MODSEQ order follows UID order: each append committed after the previous one.
    const modseqs = rows.map((r) => Number(r.modseq));
    expect([...modseqs].sort((x, y) => x - y)).toEqual(modseqs);
    expect(folder!.uidNext).toBe(101);
    // Concurrent MOVEs of disjoint sets into one folder: all arrive, distinct UIDs.
    await Promise.all(clients.map((c) => c.mailboxOpen("INBOX")));
    await Promise.all(
      clients.map((c, ci) => c.messageMove(`${ci * 20 + 1}:${ci * 20 + 20}`, "Archive", { uid: true })),
    );
    const archive = await clients[0].status("Archive", { messages: true, uidNext: true });
    expect(archive).toMatchObject({ messages: 100, uidNext: 101 });
    const inbox = await clients[0].status("INBOX", { messages: true });
    expect(inbox).toMatchObject({ messages: 0 });
    await Promise.all(clients.map((c) => c.logout()));
  });
});

// Syncing a Dovecot maildrop over POP3: the UIDL listing, full syncs with
// nothing and with some messages known, 250 messages handed over in
// batches with progress, bodies byte-identical to what another client
// (Python's poplib) reads, the size limit, and a server without UIDL.
import { analyzeMessage } from "@postern/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { Pop3Client, pop3Driver } from "../src/backends/pop3/index.ts";
import { clientOptions } from "../src/backends/pop3/session.ts";
import { syncMaildrop } from "../src/backends/pop3/sync.ts";
import type { RemoteMessage } from "../src/backends/types.ts";
import {
  account,
  failure,
  mail,
  poplibRetr,
  poplibUidls,
  startPop3Backend,
  startProxy,
  type TcpProxy,
} from "./backend-pop3-fixture.ts";

let dc: Dovecot;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  dc = await startPop3Backend(["full", "known", "many", "bytes", "limit", "nouidl"]);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await dc?.stop();
});

async function deliverAll(user: string, subjects: string[]): Promise<void> {
  for (const [i, subject] of subjects.entries()) {
    const second = String(i % 60).padStart(2, "0");
    await dc.deliver(user, mail({ subject, date: `Thu, 26 Nov 2026 10:00:${second} +0000` }));
  }
}

describe("listing and full syncs", () => {
  it("lists every message's UIDL, as another client sees them", async () => {
    await deliverAll("full", ["one", "two", "three"]);
    const client = await Pop3Client.open(clientOptions(account(dc, "full")));
    const uidl = await client.uidl();
    await client.quit();
    expect(uidl.map((e) => e.n)).toEqual([1, 2, 3]);
    expect(uidl.map((e) => e.uid)).toEqual(await poplibUidls(dc, "full"));
  });

  it("downloads everything when nothing is known, with what the index needs", async () => {
    const s = await pop3Driver.connect(account(dc, "full"));
    const r = await s.syncFolder("INBOX", null, { known: new Set() });
    const uids = await poplibUidls(dc, "full");
    expect(r.added.map((m) => m.ref)).toEqual(uids);
    expect([...r.present!]).toEqual(uids);
    expect(r).toMatchObject({ reset: false, changed: [], removed: [], cursor: { uidValidity: 1, uidNext: 0 } });
    expect(r.added.map((m) => m.envelope?.subject)).toEqual(["one", "two", "three"]);
    const m = r.added[1];
    expect(m.flags).toEqual([]);
    expect(m.raw).toEqual(await poplibRetr(dc, "full", 2));
    expect(m.size).toBe(m.raw!.length);
    expect(m.header!.toString()).toMatch(/^Return-Path: .*Subject: two\r\n.*\r\n\r\n$/s);
    expect(m.messageId).toMatch(/^<\w+@example\.test>$/);
    expect(m.internalDate.toISOString()).toBe("2026-11-26T10:00:01.000Z");
    expect(m.bodyStructure).toEqual(analyzeMessage(m.raw!).bodyStructure);
    expect(m.envelope?.from?.[0]).toMatchObject({ mailbox: "sender", host: "example.test" });
    // Syncing read nothing away: POP3 sessions without DELE leave the maildrop as it was.
    expect(await poplibUidls(dc, "full")).toEqual(uids);
  });

  it("downloads only what is not known, and reports every message as present", async () => {
    await deliverAll("known", ["a", "b", "c", "d"]);
    const uids = await poplibUidls(dc, "known");
    const s = await pop3Driver.connect(account(dc, "known"));
    const r = await s.syncFolder("INBOX", null, { known: new Set([uids[0], uids[2], "long-gone-uidl"]) });
    expect(r.added.map((m) => m.envelope?.subject)).toEqual(["b", "d"]);
    expect(r.added.map((m) => m.ref)).toEqual([uids[1], uids[3]]);
    expect(r.present).toEqual(new Set(uids));
    const none = await s.syncFolder("INBOX", null, { known: new Set(uids) });
    expect(none.added).toEqual([]);
    expect(none.present).toEqual(new Set(uids));
  });

  it("uses now as the date of a message whose Date header cannot be read", async () => {
    await dc.deliver("known", mail({ subject: "undated", date: "sometime soon" }));
    const s = await pop3Driver.connect(account(dc, "known"));
    const before = Date.now();
    const r = await s.syncFolder("INBOX", null, { known: new Set((await poplibUidls(dc, "known")).slice(0, -1)) });
    expect(r.added.map((m) => m.envelope?.subject)).toEqual(["undated"]);
    expect(r.added[0].internalDate.getTime()).toBeGreaterThanOrEqual(before);
    expect(r.added[0].internalDate.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe("a large maildrop", () => {
  it("hands 250 messages over in batches of 100, in order, with progress", async () => {
    await deliverAll(
      "many",
      Array.from({ length: 250 }, (_, i) => `msg ${i + 1}`),
    );
    const s = await pop3Driver.connect(account(dc, "many"));
    const batches: RemoteMessage[][] = [];
    const progress: Array<[number, number]> = [];
    const r = await s.syncFolder("INBOX", null, {
      onMessages: async (batch) => {
        batches.push(batch);
      },
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(r.added).toEqual([]);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(progress).toEqual([
      [100, 250],
      [200, 250],
      [250, 250],
    ]);
    const all = batches.flat();
    expect(all.map((m) => m.envelope?.subject)).toEqual(Array.from({ length: 250 }, (_, i) => `msg ${i + 1}`));
    expect(all.map((m) => m.ref)).toEqual(await poplibUidls(dc, "many"));
    expect(r.present!.size).toBe(250);
  }, 60_000);

  it("gives the same messages without PIPELINING", async () => {
    const opts = clientOptions(account(dc, "many"));
    const log = { warn: () => {} };
    const results: string[][] = [];
    for (const pipelining of [true, false]) {
      const client = await Pop3Client.open({ ...opts, pipelining });
      expect(client.capabilities.pipelining).toBe(true);
      const r = await syncMaildrop(client, {}, { log, mailboxId: "m" });
      await client.quit();
      results.push(r.added.map((m) => `${m.ref} ${m.size} ${m.envelope?.subject}`));
    }
    expect(results[0]).toHaveLength(250);
    expect(results[1]).toEqual(results[0]);
  }, 60_000);
});

describe("bodies", () => {
  // Lines starting with dots (stuffed on the wire), a lone dot, 8-bit bytes, a long line, no final newline in between.
  const tricky = Buffer.concat([
    mail({ subject: "tricky", body: ".starts with a dot\r\n..two dots\r\n.\r\nafter a lone dot" }).subarray(0, -2),
    Buffer.from("\r\n\xe9t\xe9 8-bit \xff\r\n", "latin1"),
    Buffer.from(`${"x".repeat(5000)}\r\n`),
  ]);

  it("fetchRaw gives the message byte for byte, as delivered and as another client reads it", async () => {
    await dc.deliver("bytes", mail({ subject: "first" }));
    await dc.deliver("bytes", tricky);
    const uids = await poplibUidls(dc, "bytes");
    const s = await pop3Driver.connect(account(dc, "bytes"));
    const raw = await s.fetchRaw("INBOX", uids[1]);
    expect(raw).toEqual(await poplibRetr(dc, "bytes", 2));
    // Dovecot prepends its trace headers; the rest is what was delivered.
    expect(raw.subarray(raw.length - tricky.length)).toEqual(tricky);
    const synced = await s.syncFolder("INBOX", null, { known: new Set([uids[0]]) });
    expect(synced.added[0].raw).toEqual(raw);
  });

  it("fetchRaw of a UIDL no longer there is nonexistent", async () => {
    const s = await pop3Driver.connect(account(dc, "bytes"));
    const err = await failure(s.fetchRaw("INBOX", "00000099deadbeef"));
    expect(err.code).toBe("nonexistent");
  });

  it("skips (and logs) a message over the size limit, leaving it on the server", async () => {
    await dc.deliver("limit", mail({ subject: "small" }));
    await dc.deliver("limit", mail({ subject: "big", body: "y".repeat(20_000) }));
    await dc.deliver("limit", mail({ subject: "small too" }));
    const uids = await poplibUidls(dc, "limit");
    const warnings: Array<Record<string, unknown>> = [];
    const log = { warn: (o: Record<string, unknown>) => warnings.push(o) };
    const client = await Pop3Client.open(clientOptions(account(dc, "limit")));
    const r = await syncMaildrop(client, {}, { log, mailboxId: "mbx-limit", maxMessageBytes: 10_000 });
    await client.quit();
    expect(r.added.map((m) => m.envelope?.subject)).toEqual(["small", "small too"]);
    expect(r.present).toEqual(new Set(uids));
    expect(warnings).toEqual([expect.objectContaining({ mailbox: "mbx-limit", uidl: uids[1], limit: 10_000 })]);
    expect(await poplibUidls(dc, "limit")).toEqual(uids);
  });

  it("RETR past the limit is notPossible for that message, and the session goes on", async () => {
    const client = await Pop3Client.open({ ...clientOptions(account(dc, "limit")), maxMessageBytes: 10_000 });
    const err = await failure(client.retr(2));
    expect(err.code).toBe("notPossible");
    expect(err.detail).toMatch(/RETR 2: \d+ bytes, over the 10000-byte limit/);
    expect((await client.retr(3)).toString()).toContain("Subject: small too");
    await client.quit();
  });
});

describe("a server without UIDL", () => {
  it("cannot be synced: notPossible, saying why", async () => {
    await dc.deliver("nouidl", mail());
    // Dovecot behind a proxy that turns UIDL into an unknown command.
    const proxy = await startProxy(dc.pop3Port, (line) => (line === "UIDL" ? "XUIDL" : line));
    proxies.push(proxy);
    const s = await pop3Driver.connect(account(dc, "nouidl", { port: proxy.port, security: "none" }));
    const err = await failure(s.syncFolder("INBOX", null));
    expect(err.code).toBe("notPossible");
    expect(err.message).toBe("This POP3 server does not support UIDL; Postern cannot track its messages");
    expect(err.detail).toMatch(/UIDL: Unknown command/i);
  });
});

// syncFolder() against a real Dovecot: a full sync (metadata without bodies,
// BODYSTRUCTURE compared with Postern's own MIME analyzer of the same bytes),
// incremental syncs after another client changed flags, delivered and
// expunged — with QRESYNC, with CONDSTORE only, and with neither — a reset
// after UIDVALIDITY changed, and a 2,000-message folder fetched in batches.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { analyzeMessage, type StoreError } from "@postern/protocol";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { imapDriver } from "../src/backends/imap/index.ts";
import type { BackendSession, FolderSync, RemoteMessage } from "../src/backends/types.ts";
import { account, direct, mail, meaning, richMail, startBackend, without } from "./backend-imap-fixture.ts";

const corpusDir = path.resolve(import.meta.dirname, "../../../packages/protocol/test/fixtures/mime");
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => {
    const meta = JSON.parse(readFileSync(path.join(corpusDir, f.replace(/\.eml$/, ".json")), "utf8"));
    return { name: f.slice(0, -4), raw: readFileSync(path.join(corpusDir, f)), deviations: meta.deviations ?? {} };
  });

type Flavour = "qresync" | "condstore" | "plain";
const servers = {} as Record<Flavour, Dovecot>;
const sessions: BackendSession[] = [];
const clients: ImapFlow[] = [];

beforeAll(async () => {
  servers.qresync = await startBackend(["full", "corpus", "inc", "reset", "big", "gone"]);
  servers.condstore = await startBackend(["inc"], { extraConfig: without("QRESYNC") });
  servers.plain = await startBackend(["inc"], { extraConfig: without("QRESYNC", "CONDSTORE") });
}, 120_000);
afterAll(async () => {
  await Promise.all([...sessions.map((s) => s.close()), ...clients.map((c) => c.logout().catch(() => {}))]);
  await Promise.all(Object.values(servers).map((d) => d.stop()));
});

async function session(dc: Dovecot, user: string): Promise<BackendSession> {
  const s = await imapDriver.connect(account(dc, user));
  sessions.push(s);
  return s;
}

async function other(dc: Dovecot, user: string): Promise<ImapFlow> {
  const c = await direct(dc, user);
  clients.push(c);
  return c;
}

/** Check one synced message against what Postern's analyzer makes of its bytes. */
async function checkAgainstAnalyzer(s: BackendSession, folder: string, m: RemoteMessage, opts: { structure: boolean }) {
  const raw = await s.fetchRaw(folder, m.ref);
  const a = analyzeMessage(raw);
  expect(m.size).toBe(raw.length);
  expect(m.header?.equals(raw.subarray(0, a.headerSize))).toBe(true);
  expect(m.envelope).toEqual(a.envelope);
  expect(m.messageId).toBe(a.messageId);
  if (opts.structure) expect(meaning(m.bodyStructure as never)).toEqual(meaning(a.bodyStructure));
}

const uidOf = (ref: string) => Number(ref.split(":")[1]);

describe("full sync", () => {
  it("fetches every message's metadata, flags and structure, without bodies", async () => {
    const dc = servers.qresync;
    await dc.deliver("full", richMail("Quarterly report"), { flags: "\\Seen $Finance" });
    await dc.deliver("full", mail({ subject: "plain one" }), { flags: "\\Flagged" });
    await dc.deliver("full", mail({ subject: "plain two" }));
    const s = await session(dc, "full");
    const sync = await s.syncFolder("INBOX", null);

    expect(sync.reset).toBe(false);
    expect(sync.changed).toEqual([]);
    expect(sync.removed).toEqual([]);
    expect(sync.added.map((m) => m.envelope?.subject)).toEqual(["Quarterly report", "plain one", "plain two"]);
    const [rich, one, two] = sync.added;
    expect(new Set(rich.flags)).toEqual(new Set(["\\Seen", "$Finance"]));
    expect(one.flags).toEqual(["\\Flagged"]);
    // \Recent is the backend session's, not the message's.
    expect(two.flags).toEqual([]);
    const uidValidity = sync.cursor.uidValidity;
    expect(sync.added.map((m) => m.ref)).toEqual(sync.added.map((m) => `${uidValidity}:${uidOf(m.ref)}`));
    expect(sync.cursor.uidNext).toBe(uidOf(two.ref) + 1);
    expect(sync.cursor.highestModseq).toBeGreaterThan(0);
    for (const m of sync.added) {
      expect(m.internalDate).toBeInstanceOf(Date);
      expect(Date.now() - m.internalDate.getTime()).toBeLessThan(60_000);
      await checkAgainstAnalyzer(s, "INBOX", m, { structure: true });
    }
    // The attached message's ENVELOPE is built from its own header, fetched as BODY[3.HEADER].
    const structure = rich.bodyStructure as { parts: Array<{ kind: string; envelope?: unknown }> };
    expect(structure.parts[2].kind).toBe("message");
    expect(structure.parts[2].envelope).toMatchObject({
      subject: "=?UTF-8?Q?Quarterly_n=C3=BCmbers?=",
      from: [{ name: "Finance, Team", adl: null, mailbox: "finance", host: "example.com" }],
      messageId: "<q4@example.com>",
      inReplyTo: "<q3@example.com>",
    });
  });

  it("converts the BODYSTRUCTURE of every message of the MIME corpus as Postern's analyzer reads it", async () => {
    const dc = servers.qresync;
    const c = await other(dc, "corpus");
    await c.mailboxCreate("Corpus");
    for (const m of corpus) await c.append("Corpus", m.raw);
    const s = await session(dc, "corpus");
    const sync = await s.syncFolder("Corpus", null);
    expect(sync.added).toHaveLength(corpus.length);
    for (const [i, m] of sync.added.entries()) {
      // Where Dovecot reads a message differently from Postern on purpose (fixtures' "deviations"),
      // the structures differ by design: garbage-content-type (RFC 2045 §5.2 default vs Dovecot's pass-through).
      const structure = !("bodystructure" in corpus[i].deviations) || corpus[i].name === "bare-lf";
      await checkAgainstAnalyzer(s, "Corpus", m, { structure });
    }
  });

  it("says nonexistent for a folder that is not there", async () => {
    const s = await session(servers.qresync, "gone");
    const err = (await s.syncFolder("Nowhere", null).catch((e) => e)) as StoreError;
    expect(err.code).toBe("nonexistent");
  });
});

describe.each<Flavour>(["qresync", "condstore", "plain"])("incremental sync (%s)", (flavour) => {
  it("reports new mail, flag changes and expunges made by another client", async () => {
    const dc = servers[flavour];
    const c = await other(dc, "inc");
    for (let i = 1; i <= 5; i++) await c.append("INBOX", mail({ subject: `m${i}` }));
    const s = await session(dc, "inc");
    const first = await s.syncFolder("INBOX", null);
    const [r1, r2, r3, r4, r5] = first.added.map((m) => m.ref);
    if (flavour === "plain") expect(first.cursor.highestModseq).toBeUndefined();
    else expect(first.cursor.highestModseq).toBeGreaterThan(0);

    await c.mailboxOpen("INBOX");
    await c.messageFlagsAdd(String(uidOf(r2)), ["\\Seen"], { uid: true });
    await c.messageFlagsAdd(String(uidOf(r3)), ["$Work"], { uid: true });
    await c.messageDelete(String(uidOf(r4)), { uid: true });
    await dc.deliver("inc", mail({ subject: "m6" }));
    await dc.deliver("inc", mail({ subject: "m7" }), { flags: "\\Answered" });

    const second = await s.syncFolder("INBOX", first.cursor, {});
    expect(second.reset).toBe(false);
    expect(second.added.map((m) => m.envelope?.subject)).toEqual(["m6", "m7"]);
    expect(second.added[1].flags).toEqual(["\\Answered"]);
    const changed = new Map(second.changed.map((c) => [c.ref, c.flags]));
    expect(changed.get(r2)).toEqual(["\\Seen"]);
    expect(changed.get(r3)).toEqual(["$Work"]);
    const now = [r1, r2, r3, r5, ...second.added.map((m) => m.ref)];
    if (flavour === "qresync") {
      // CHANGEDSINCE: only what changed; VANISHED (EARLIER): exactly what went.
      expect([...changed.keys()].sort()).toEqual([r2, r3].sort());
      expect(second.removed).toEqual([r4]);
      expect(second.present).toBeUndefined();
    } else {
      expect(second.removed).toEqual([]);
      expect(second.present).toEqual(new Set(now));
      // Without CONDSTORE every message's flags come back; with it, only the changed ones.
      expect([...changed.keys()].sort()).toEqual((flavour === "plain" ? [r1, r2, r3, r5] : [r2, r3]).sort());
    }
    expect(second.cursor.uidValidity).toBe(first.cursor.uidValidity);
    expect(second.cursor.uidNext).toBe(uidOf(second.added[1].ref) + 1);
    if (flavour !== "plain") expect(second.cursor.highestModseq).toBeGreaterThan(first.cursor.highestModseq!);

    // Nothing happened since: nothing to report (but the full flag list without CONDSTORE).
    const third = await s.syncFolder("INBOX", second.cursor);
    expect(third.added).toEqual([]);
    expect(third.removed).toEqual([]);
    expect(third.changed.length).toBe(flavour === "plain" ? now.length : 0);
    expect(third.cursor).toEqual(second.cursor);
  });
});

describe("reset", () => {
  it("re-maps the whole folder when UIDVALIDITY changed (folder deleted and made again)", async () => {
    const dc = servers.qresync;
    const c = await other(dc, "reset");
    await c.mailboxCreate("Box");
    await c.append("Box", mail({ subject: "old 1" }));
    await c.append("Box", mail({ subject: "old 2" }));
    const s = await session(dc, "reset");
    const before = await s.syncFolder("Box", null);
    expect(before.added).toHaveLength(2);

    await c.mailboxDelete("Box");
    await c.mailboxCreate("Box");
    await c.append("Box", mail({ subject: "new 1" }));
    const after = await s.syncFolder("Box", before.cursor);
    expect(after.reset).toBe(true);
    expect(after.cursor.uidValidity).not.toBe(before.cursor.uidValidity);
    expect(after.added.map((m) => m.envelope?.subject)).toEqual(["new 1"]);
    expect(after.added[0].ref.startsWith(`${after.cursor.uidValidity}:`)).toBe(true);
    // An old ref names nothing now, even though UID 1 exists again.
    const err = (await s.fetchRaw("Box", before.added[0].ref).catch((e) => e)) as StoreError;
    expect(err.code).toBe("nonexistent");
  });
});

describe("a 2,000-message folder", () => {
  it("is fetched in batches of 500 with progress reported", async () => {
    const dc = servers.qresync;
    const c = await other(dc, "big");
    await c.mailboxCreate("Big");
    for (let i = 0; i < 250; i++) await c.append("Big", mail({ subject: `bulk ${i}` }));
    await c.mailboxOpen("Big");
    // 250 → 500 → 1000 → 2000, each COPY doubling the folder.
    for (let n = 250; n < 2000; n *= 2) await c.messageCopy("1:*", "Big");
    const s = await session(dc, "big");
    const progress: Array<[number, number]> = [];
    const sync: FolderSync = await s.syncFolder("Big", null, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [500, 2000],
      [1000, 2000],
      [1500, 2000],
      [2000, 2000],
    ]);
    expect(sync.added).toHaveLength(2000);
    const uids = sync.added.map((m) => uidOf(m.ref));
    expect(uids).toEqual([...uids].sort((a, b) => a - b));
    expect(new Set(uids).size).toBe(2000);
    expect(sync.added.every((m) => m.header && m.envelope && m.bodyStructure)).toBe(true);
    expect(sync.cursor.uidNext).toBe(uids[1999] + 1);
  }, 120_000);
});

// Message operations of the IMAP driver against a real Dovecot, each checked
// by a second client straight to the server: fetchRaw, setFlags, copy, move,
// expunge, append, findByMessageId — with UIDPLUS and MOVE, and on a server
// that offers neither (COPY + \Deleted + EXPUNGE, sparing other clients'
// \Deleted messages). A ref from an older UIDVALIDITY never touches the
// message that holds its UID now.
import type { StoreError } from "@postern/protocol";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { imapDriver } from "../src/backends/imap/index.ts";
import type { BackendSession } from "../src/backends/types.ts";
import { account, direct, mail, richMail, startBackend, without } from "./backend-imap-fixture.ts";

let dc: Dovecot;
let old: Dovecot;
const sessions: BackendSession[] = [];
const clients: ImapFlow[] = [];

beforeAll(async () => {
  dc = await startBackend(["raw", "flags", "copy", "move", "expunge", "append", "find", "stale"]);
  old = await startBackend(["oldmove", "oldexpunge", "oldappend"], { extraConfig: without("MOVE", "UIDPLUS") });
});
afterAll(async () => {
  await Promise.all([...sessions.map((s) => s.close()), ...clients.map((c) => c.logout().catch(() => {}))]);
  await Promise.all([dc?.stop(), old?.stop()]);
});

async function setup(server: Dovecot, user: string): Promise<{ s: BackendSession; c: ImapFlow; uv: number }> {
  const s = await imapDriver.connect(account(server, user));
  sessions.push(s);
  const c = await direct(server, user);
  clients.push(c);
  const status = await c.status("INBOX", { uidValidity: true });
  return { s, c, uv: Number(status && status.uidValidity) };
}

/** Append through the other client; returns the new message's ref. */
async function put(c: ImapFlow, folder: string, raw: Buffer, flags: string[] = []): Promise<string> {
  const r = await c.append(folder, raw, flags);
  if (!r || r.uid === undefined || r.uidValidity === undefined) throw new Error("no APPENDUID");
  return `${r.uidValidity}:${r.uid}`;
}

async function flagsOf(c: ImapFlow, folder: string): Promise<Map<number, string[]>> {
  await c.mailboxOpen(folder);
  const out = new Map<number, string[]>();
  for await (const m of c.fetch("1:*", { uid: true, flags: true })) {
    // \Recent is this client's session's, not the message's.
    out.set(m.uid, [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort());
  }
  return out;
}

async function subjects(c: ImapFlow, folder: string): Promise<string[]> {
  const box = await c.mailboxOpen(folder);
  if (!box.exists) return [];
  const out: string[] = [];
  for await (const m of c.fetch("1:*", { envelope: true })) out.push(m.envelope?.subject ?? "");
  return out;
}

const uid = (ref: string) => Number(ref.split(":")[1]);

describe("fetchRaw", () => {
  it("returns the message byte for byte", async () => {
    const { s, c } = await setup(dc, "raw");
    const raw = richMail("byte for byte");
    const ref = await put(c, "INBOX", raw);
    expect((await s.fetchRaw("INBOX", ref)).equals(raw)).toBe(true);
    // Delivered over LMTP, the message is what was sent, under the trace fields Dovecot adds.
    const delivered = mail({ subject: "via LMTP" });
    await dc.deliver("raw", delivered);
    const sync = await s.syncFolder("INBOX", null);
    const got = await s.fetchRaw("INBOX", sync.added[1].ref);
    expect(got.subarray(got.length - delivered.length).equals(delivered)).toBe(true);
    expect(got.toString("latin1")).toMatch(/^Return-Path: .*\r\nDelivered-To: raw\r\n/);
  });

  it("says nonexistent for an expunged message, a stale UIDVALIDITY and a ref that is not one", async () => {
    const { s, c, uv } = await setup(dc, "raw");
    const ref = await put(c, "INBOX", mail());
    await c.mailboxOpen("INBOX");
    await c.messageDelete(String(uid(ref)), { uid: true });
    for (const bad of [ref, `${uv + 1}:1`, "nonsense"]) {
      expect(((await s.fetchRaw("INBOX", bad).catch((e) => e)) as StoreError).code).toBe("nonexistent");
    }
  });
});

describe("setFlags", () => {
  it("adds and removes flags and keywords on exactly the given messages", async () => {
    const { s, c } = await setup(dc, "flags");
    const a = await put(c, "INBOX", mail(), ["\\Seen"]);
    const b = await put(c, "INBOX", mail());
    const untouched = await put(c, "INBOX", mail(), ["\\Seen"]);
    await s.setFlags("INBOX", [a, b], { add: ["\\Flagged", "$Work", "\\Recent"], remove: ["\\Seen"] });
    const flags = await flagsOf(c, "INBOX");
    expect(flags.get(uid(a))).toEqual(["$Work", "\\Flagged"]);
    expect(flags.get(uid(b))).toEqual(["$Work", "\\Flagged"]);
    expect(flags.get(uid(untouched))).toEqual(["\\Seen"]);
    await s.setFlags("INBOX", [a], { add: [], remove: ["$work", "\\flagged"] });
    expect((await flagsOf(c, "INBOX")).get(uid(a))).toEqual([]);
  });

  it("stores the system flags when the server refuses a keyword, leaving the keyword to Postern", async () => {
    const { s, c } = await setup(dc, "flags");
    const a = await put(c, "INBOX", mail());
    // Dovecot: NO [CANNOT] Keyword length too long.
    await s.setFlags("INBOX", [a], { add: ["\\Seen", `$${"k".repeat(60)}`], remove: [] });
    expect((await flagsOf(c, "INBOX")).get(uid(a))).toEqual(["\\Seen"]);
  });
});

describe("copy and move", () => {
  it("copies with UIDPLUS: the new refs are returned, the originals stay", async () => {
    const { s, c } = await setup(dc, "copy");
    await c.mailboxCreate("Archive");
    const a = await put(c, "INBOX", mail({ subject: "a" }));
    const b = await put(c, "INBOX", mail({ subject: "b" }));
    const map = await s.copy("INBOX", [a, b], "Archive");
    const dest = await c.status("Archive", { uidValidity: true });
    expect([...map.keys()].sort()).toEqual([a, b].sort());
    for (const ref of map.values()) expect(ref.startsWith(`${dest && dest.uidValidity}:`)).toBe(true);
    expect(await subjects(c, "Archive")).toEqual(["a", "b"]);
    expect(await subjects(c, "INBOX")).toEqual(["a", "b"]);
    expect((await s.fetchRaw("Archive", map.get(b)!)).toString()).toContain("Subject: b");
    const err = (await s.copy("INBOX", [a], "Nowhere").catch((e) => e)) as StoreError;
    expect(err.code).toBe("nonexistent");
  });

  it("moves with UID MOVE", async () => {
    const { s, c } = await setup(dc, "move");
    await c.mailboxCreate("Done");
    const a = await put(c, "INBOX", mail({ subject: "a" }));
    await put(c, "INBOX", mail({ subject: "b" }));
    const map = await s.move("INBOX", [a], "Done");
    expect([...map.keys()]).toEqual([a]);
    expect(await subjects(c, "Done")).toEqual(["a"]);
    expect(await subjects(c, "INBOX")).toEqual(["b"]);
    expect((await s.fetchRaw("Done", map.get(a)!)).toString()).toContain("Subject: a");
  });

  it("moves without MOVE or UIDPLUS: COPY, then expunges only the moved messages", async () => {
    const { s, c } = await setup(old, "oldmove");
    await c.mailboxCreate("Done");
    const a = await put(c, "INBOX", mail({ subject: "moved" }));
    const keep = await put(c, "INBOX", mail({ subject: "deleted elsewhere" }), ["\\Deleted"]);
    await put(c, "INBOX", mail({ subject: "plain" }));
    const map = await s.move("INBOX", [a], "Done");
    // Dovecot still answers COPY with COPYUID when UIDPLUS is not advertised: what the server says is used.
    expect([...map.keys()]).toEqual([a]);
    expect(await subjects(c, "Done")).toEqual(["moved"]);
    expect(await subjects(c, "INBOX")).toEqual(["deleted elsewhere", "plain"]);
    // The other client's \Deleted mark survives our EXPUNGE.
    expect((await flagsOf(c, "INBOX")).get(uid(keep))).toEqual(["\\Deleted"]);
  });
});

describe("expunge", () => {
  it("removes exactly the given messages (UID EXPUNGE), not other \\Deleted ones", async () => {
    const { s, c } = await setup(dc, "expunge");
    const a = await put(c, "INBOX", mail({ subject: "a" }));
    await put(c, "INBOX", mail({ subject: "b" }), ["\\Deleted"]);
    await put(c, "INBOX", mail({ subject: "c" }));
    await s.expunge("INBOX", [a]);
    expect(await subjects(c, "INBOX")).toEqual(["b", "c"]);
  });

  it("does the same without UIDPLUS, where only a plain EXPUNGE exists", async () => {
    const { s, c } = await setup(old, "oldexpunge");
    await c.mailboxCreate("Trash");
    const a = await put(c, "Trash", mail({ subject: "a" }));
    const b = await put(c, "Trash", mail({ subject: "b" }), ["\\Deleted", "\\Seen"]);
    await put(c, "Trash", mail({ subject: "c" }));
    await s.expunge("Trash", [a]);
    expect(await subjects(c, "Trash")).toEqual(["b", "c"]);
    expect((await flagsOf(c, "Trash")).get(uid(b))).toEqual(["\\Deleted", "\\Seen"]);
  });
});

describe("append", () => {
  it("stores the message with flags and date, and returns its ref from APPENDUID", async () => {
    const { s, c } = await setup(dc, "append");
    await c.mailboxCreate("Sent");
    const raw = richMail("appended");
    const date = new Date("2026-01-02T03:04:05Z");
    const ref = await s.append("Sent", raw, { flags: ["\\Seen", "$Sent"], internalDate: date });
    expect(ref).toMatch(/^\d+:\d+$/);
    expect((await s.fetchRaw("Sent", ref!)).equals(raw)).toBe(true);
    await c.mailboxOpen("Sent");
    const m = await c.fetchOne(String(uid(ref!)), { flags: true, internalDate: true }, { uid: true });
    expect(m && [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort()).toEqual(["$Sent", "\\Seen"]);
    expect(m && new Date(m.internalDate!).getTime()).toBe(date.getTime());
    const err = (await s.append("Nowhere", raw, { flags: [] }).catch((e) => e)) as StoreError;
    expect(err.code).toBe("nonexistent");
  });

  it("appends with the system flags alone when the server refuses a keyword", async () => {
    const { s, c } = await setup(dc, "append");
    const ref = await s.append("INBOX", mail({ subject: "long keyword" }), { flags: ["\\Seen", `$${"k".repeat(60)}`] });
    expect(ref).toMatch(/^\d+:\d+$/);
    expect((await flagsOf(c, "INBOX")).get(uid(ref!))).toEqual(["\\Seen"]);
  });

  it("uses APPENDUID whenever the server sends it, advertised or not", async () => {
    // Dovecot answers APPEND with APPENDUID even when UIDPLUS is hidden from its
    // capabilities; a server that really sends none gets null (see messages.ts).
    const { s, c } = await setup(old, "oldappend");
    const ref = await s.append("INBOX", mail({ subject: "appended" }), { flags: [] });
    expect(ref).toMatch(/^\d+:\d+$/);
    expect(await subjects(c, "INBOX")).toEqual(["appended"]);
  });
});

describe("findByMessageId", () => {
  it("finds the messages with exactly that Message-ID", async () => {
    const { s, c } = await setup(dc, "find");
    const one = await put(c, "INBOX", mail({ messageId: "<dup@example.test>" }));
    const two = await put(c, "INBOX", mail({ messageId: "<dup@example.test>" }));
    // Contains the searched id as a substring, but is another id.
    await put(c, "INBOX", mail({ messageId: "<x-dup@example.test>" }));
    await put(c, "INBOX", mail({ extra: ["X-Original-Message-ID: <dup@example.test>"] }));
    expect(await s.findByMessageId("INBOX", "<dup@example.test>")).toEqual([one, two]);
    expect(await s.findByMessageId("INBOX", "<nobody@example.test>")).toEqual([]);
  });
});

describe("refs from an older UIDVALIDITY", () => {
  it("are treated as gone: nothing that holds their UID now is touched", async () => {
    const { s, c } = await setup(dc, "stale");
    await c.mailboxCreate("Box");
    const before = await put(c, "Box", mail({ subject: "old" }));
    await c.mailboxDelete("Box");
    await c.mailboxCreate("Box");
    await c.mailboxCreate("Elsewhere");
    const now = await put(c, "Box", mail({ subject: "new" }));
    // Same UID, different UIDVALIDITY.
    expect(uid(now)).toBe(uid(before));
    expect(now).not.toBe(before);

    await s.setFlags("Box", [before], { add: ["\\Flagged"], remove: [] });
    expect(await s.copy("Box", [before], "Elsewhere")).toEqual(new Map());
    expect(await s.move("Box", [before], "Elsewhere")).toEqual(new Map());
    await s.expunge("Box", [before]);
    expect(await subjects(c, "Box")).toEqual(["new"]);
    expect(await subjects(c, "Elsewhere")).toEqual([]);
    expect((await flagsOf(c, "Box")).get(uid(now))).toEqual([]);
  });
});

// imapflow, a real client nobody here wrote, exercising every command it has
// against the gateway (STARTTLS and implicit TLS; imapflow also switches on
// COMPRESS=DEFLATE, CONDSTORE and ENABLE by itself when offered).
import { seedMailbox } from "@postern/db/seed";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

async function connected(opts: { secure?: boolean; qresync?: boolean } = {}) {
  const m = await seedMailbox(testContext());
  const client = await imapflow(gw, { address: m.address, password: m.password }, opts);
  return { m, client };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const multipart = Buffer.from(
  [
    "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.net>",
    "To: team@example.net",
    "Subject: =?UTF-8?B?UmVwb3J0IMOcYmVyc2ljaHQ=?=",
    "Date: Thu, 19 Nov 2026 08:30:00 +0100",
    "Message-ID: <report-1@example.net>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "--outer",
    'Content-Type: multipart/alternative; boundary="inner"',
    "",
    "--inner",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "Gr=C3=BC=C3=9Fe aus Berlin",
    "--inner",
    "Content-Type: text/html; charset=utf-8",
    "",
    "<p>Gr&uuml;&szlig;e</p>",
    "--inner--",
    "--outer",
    'Content-Type: application/pdf; name="q3.pdf"',
    'Content-Disposition: attachment; filename="q3.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from("%PDF-1.4 fake").toString("base64"),
    "--outer--",
    "",
  ].join("\r\n"),
);

describe("imapflow against the gateway", () => {
  it("negotiates capabilities (STARTTLS, then the authenticated set)", async () => {
    const { client } = await connected();
    const caps = client.capabilities;
    for (const cap of [
      "IMAP4rev1",
      "IDLE",
      "UIDPLUS",
      "MOVE",
      "CONDSTORE",
      "QRESYNC",
      "SPECIAL-USE",
      "ESEARCH",
      "NAMESPACE",
      "ID",
      "ENABLE",
      "UNSELECT",
      "LITERAL+",
      "LIST-STATUS",
    ]) {
      expect(caps.has(cap), cap).toBe(true);
    }
    expect(client.secureConnection || caps.has("STARTTLS") === false).toBe(true);
    await client.logout();
  });

  it("lists folders with special-use flags, creates, renames, deletes, subscribes", async () => {
    const { client } = await connected({ secure: true });
    const folders = await client.list();
    const byPath = Object.fromEntries(folders.map((f) => [f.path, f]));
    expect(byPath.Sent.specialUse).toBe("\\Sent");
    expect(byPath.Trash.specialUse).toBe("\\Trash");
    expect(byPath.Drafts.specialUse).toBe("\\Drafts");
    expect(byPath.Junk.specialUse).toBe("\\Junk");
    expect(byPath.Archive.specialUse).toBe("\\Archive");
    expect(byPath.INBOX.specialUse).toBe("\\Inbox");

    expect((await client.mailboxCreate("Clients/Ácme")).created).toBe(true);
    await client.mailboxSubscribe("Clients/Ácme");
    const tree = await client.listTree();
    const clients = tree.folders?.find((f) => f.path === "Clients");
    expect(clients?.folders?.map((f) => f.name)).toEqual(["Ácme"]);
    await client.mailboxRename("Clients", "Customers");
    const after = (await client.list()).map((f) => f.path);
    expect(after).toContain("Customers/Ácme");
    expect(after).not.toContain("Clients/Ácme");
    const subscribed = await client.list({ statusQuery: { messages: true } });
    expect(subscribed.find((f) => f.path === "Customers/Ácme")?.status?.messages).toBe(0);
    await expect(client.mailboxDelete("Customers")).rejects.toThrow();
    await client.mailboxDelete("Customers/Ácme");
    await client.mailboxDelete("Customers");
    expect((await client.list()).map((f) => f.path)).not.toContain("Customers");
    await client.logout();
  });

  it("appends, fetches every item, downloads parts, and reads ENVELOPE/BODYSTRUCTURE back", async () => {
    const { client } = await connected();
    const appended = await client.append("INBOX", multipart, ["\\Flagged", "$Work"], new Date("2026-11-19T07:30:00Z"));
    expect(appended).toMatchObject({ destination: "INBOX", uid: 1 });
    expect(typeof appended && (appended as { uidValidity?: bigint }).uidValidity).toBeTruthy();
    const lock = await client.getMailboxLock("INBOX");
    try {
      const msg = await client.fetchOne("1", {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        internalDate: true,
        size: true,
        source: true,
        headers: ["subject", "from"],
      });
      if (!msg) throw new Error("no message");
      expect(msg.uid).toBe(1);
      // This session is the first to see the message, so it is also \Recent (RFC 3501 §2.3.2).
      expect([...(msg.flags ?? [])].sort()).toEqual(["$Work", "\\Flagged", "\\Recent"]);
      expect(msg.size).toBe(multipart.length);
      expect(msg.source?.equals(multipart)).toBe(true);
      expect(new Date(msg.internalDate as Date).toISOString()).toBe("2026-11-19T07:30:00.000Z");
      expect(msg.envelope?.subject).toBe("Report Übersicht");
      expect(msg.envelope?.from?.[0]).toMatchObject({ name: "Renée", address: "renee@example.net" });
      expect(msg.envelope?.messageId).toBe("<report-1@example.net>");
      const bs = msg.bodyStructure;
      expect(bs?.type).toBe("multipart/mixed");
      expect(bs?.childNodes?.[0].type).toBe("multipart/alternative");
      expect(bs?.childNodes?.[0].childNodes?.map((c) => c.type)).toEqual(["text/plain", "text/html"]);
      expect(bs?.childNodes?.[1]).toMatchObject({ type: "application/pdf", disposition: "attachment", part: "2" });
      expect(bs?.childNodes?.[1].dispositionParameters?.filename).toBe("q3.pdf");
      expect(msg.headers?.toString()).toMatch(/^Subject: =\?UTF-8\?B\?/im);

      const text = await client.download("1", "1.1");
      const chunks: Buffer[] = [];
      for await (const c of text.content ?? []) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString("utf8")).toBe("Grüße aus Berlin");
      const pdf = await client.download("1", "2");
      const pdfChunks: Buffer[] = [];
      for await (const c of pdf.content ?? []) pdfChunks.push(c as Buffer);
      expect(Buffer.concat(pdfChunks).toString()).toBe("%PDF-1.4 fake");

      // imapflow fetches with BODY.PEEK: reading parts leaves \Seen alone.
      const after = await client.fetchOne("1", { flags: true });
      expect(after && [...(after.flags ?? [])]).not.toContain("\\Seen");
    } finally {
      lock.release();
    }
    await client.logout();
  });

  it("stores flags, copies, moves, deletes and searches", async () => {
    const { client } = await connected({ secure: true });
    for (let i = 1; i <= 5; i++) {
      await client.append(
        "INBOX",
        message({ subject: `Note ${i}`, body: i === 3 ? "the secret word is pelican\r\n" : "plain\r\n" }),
      );
    }
    const lock = await client.getMailboxLock("INBOX");
    try {
      expect(await client.messageFlagsAdd("1:2", ["\\Seen", "$Todo"])).toBe(true);
      expect(await client.messageFlagsRemove("2", ["$Todo"])).toBe(true);
      expect(await client.messageFlagsSet("3", ["\\Answered"])).toBe(true);
      const flags = Object.fromEntries(
        (await all(client.fetch("1:*", { uid: true, flags: true }))).map((m) => [
          m.uid,
          [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort(),
        ]),
      );
      expect(flags).toEqual({ 1: ["$Todo", "\\Seen"], 2: ["\\Seen"], 3: ["\\Answered"], 4: [], 5: [] });

      expect(await client.search({ seen: false })).toEqual([3, 4, 5]);
      expect(await client.search({ keyword: "$Todo" })).toEqual([1]);
      expect(await client.search({ body: "pelican" })).toEqual([3]);
      expect(await client.search({ subject: "note 5" })).toEqual([5]);
      expect(await client.search({ or: [{ answered: true }, { uid: "1" }] })).toEqual([1, 3]);
      expect(await client.search({ uid: "2:4", seen: true }, { uid: true })).toEqual([2]);

      const copied = await client.messageCopy("1:2", "Archive");
      expect(copied).toMatchObject({ destination: "Archive" });
      expect(copied && copied.uidMap && [...copied.uidMap.entries()]).toEqual([
        [1, 1],
        [2, 2],
      ]);
      const moved = await client.messageMove("4", "Archive", { uid: true });
      expect(moved && moved.uidMap && [...moved.uidMap.entries()]).toEqual([[4, 3]]);
      expect(await client.messageDelete("5", { uid: true })).toBe(true);
      expect((await all(client.fetch("1:*", { uid: true }))).map((m) => m.uid)).toEqual([1, 2, 3]);
    } finally {
      lock.release();
    }
    const archive = await client.status("Archive", { messages: true, uidNext: true, unseen: true });
    expect(archive).toMatchObject({ messages: 3, uidNext: 4, unseen: 1 });
    await client.logout();
  });

  it("idles and hears new mail, flag changes and expunges from another session", async () => {
    const { m, client } = await connected();
    const other = await imapflow(gw, { address: m.address, password: m.password });
    await client.mailboxOpen("INBOX");
    const events: string[] = [];
    client.on("exists", (d) => events.push(`exists ${d.count}`));
    client.on("flags", (d) => events.push(`flags ${d.uid ?? d.seq} ${[...d.flags].join(",")}`));
    client.on("expunge", (d) => events.push(`expunge ${d.seq ?? d.uid}`));
    const idling = client.idle();
    const t0 = Date.now();
    await other.append("INBOX", message({ subject: "Pushed" }));
    await waitFor(() => events.includes("exists 1"));
    expect(Date.now() - t0).toBeLessThan(1000);
    await other.mailboxOpen("INBOX");
    await other.messageFlagsAdd("1", ["\\Flagged"]);
    await waitFor(() => events.some((e) => e.startsWith("flags") && e.includes("\\Flagged")));
    await other.messageDelete("1");
    await waitFor(() => events.some((e) => e.startsWith("expunge")));
    expect(Date.now() - t0).toBeLessThan(3000);
    await client.noop();
    await idling.catch(() => {});
    await other.logout();
    await client.logout();
  });

  it("resynchronises with QRESYNC after a disconnect", async () => {
    const { m, client } = await connected({ qresync: true });
    for (let i = 1; i <= 4; i++) await client.append("INBOX", message({ subject: `Q${i}` }));
    const first = await client.mailboxOpen("INBOX");
    const modseq = first.highestModseq as bigint;
    await client.logout();
    const other = await imapflow(gw, { address: m.address, password: m.password });
    await other.mailboxOpen("INBOX");
    await other.messageFlagsAdd("2", ["\\Seen"]);
    await other.messageDelete("3");
    await other.logout();
    const back = await imapflow(gw, { address: m.address, password: m.password }, { qresync: true });
    const vanished: number[] = [];
    const flagged: Array<[number, string[]]> = [];
    back.on("expunge", (d) => d.vanished && d.uid && vanished.push(d.uid));
    back.on("flags", (d) => flagged.push([d.uid as number, [...d.flags]]));
    const reopened = await back.mailboxOpen("INBOX", { changedSince: modseq, uidValidity: first.uidValidity });
    expect(reopened.exists).toBe(3);
    expect(vanished).toEqual([3]);
    expect(flagged).toEqual([[2, ["\\Seen"]]]);
    await back.logout();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type { ImapFlow };

// The whole loop with real servers: alice's phone (smtplib) submits to
// Postern; Postern relays through the backend's MTA (a real Postfix, which
// requires AUTH — Postern logs in with alice's own backend login — and
// delivers by LMTP into a real Dovecot); bob's phone, IDLE-ing on Postern
// over his IMAP-backed mailbox, sees the message within seconds. Alice's
// Sent folder has it (on Postern and, by APPEND, at the backend); the Bcc
// recipient gets it; bob's copy does not show the Bcc.
import path from "node:path";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackedMailbox,
  direct,
  imapBackedMailbox,
  pop3BackedMailbox,
  synced,
} from "../../../test/helpers/backend.ts";
import { testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow } from "../../../test/helpers/imap.ts";
import { freePort } from "../../../test/helpers/ports.ts";
import { type Postfix, relayDovecotConfig, startPostfix } from "../../../test/helpers/postfix.ts";
import type { Gateway } from "../src/gateway.ts";
import { eventually, last, mail, OUTBOX_TEST_ENV, outboxRows, phone, useRelay } from "./smtp-fixture.ts";

const USERS = {
  alice: { user: "alice", password: "alice-pass" },
  bob: { user: "bob", password: "bob-pass" },
  carol: { user: "carol", password: "carol-pass" },
  dave: { user: "dave", password: "dave-pass" },
};
/** Bob's phone must hear about the message within this (the brief: "within seconds"). */
const WITHIN_MS = 10_000;

let dovecot: Dovecot;
let postfix: Postfix;
let gw: Gateway;
let alice: BackedMailbox;
let bob: BackedMailbox;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  const saslPort = await freePort();
  dovecot = await startDovecot({ users: Object.values(USERS), extraConfig: relayDovecotConfig(saslPort) });
  // Dovecot's certificate, so the backend's one private CA (tlsCa) covers IMAP and the relay.
  postfix = await startPostfix({
    lmtpPort: dovecot.lmtpPort,
    saslPort,
    tls: { certPath: dovecot.certPath, keyPath: path.join(dovecot.baseDir, "key.pem") },
  });
  alice = await imapBackedMailbox(dovecot, USERS.alice);
  await useRelay(alice.mailboxId, postfix);
  bob = await imapBackedMailbox(dovecot, USERS.bob);
  gw = await startTestGateway({ POSTERN_SYNC: "true", ...OUTBOX_TEST_ENV });
  await Promise.all([synced(alice.mailboxId), synced(bob.mailboxId)]);
});

afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => {});
  await gw?.close();
  await postfix?.destroy();
  await dovecot?.stop();
});

async function phoneOf(m: BackedMailbox): Promise<ImapFlow> {
  const c = await imapflow(gw, { address: m.address, password: m.password });
  clients.push(c);
  return c;
}

describe("alice → Postern → Postfix → Dovecot → Postern → bob", () => {
  it("bob's IDLE-ing phone sees it within seconds; alice's Sent has it; the Bcc recipient gets it unseen by bob", async () => {
    const subject = `Lunch on Thursday ${Date.now()}`;
    const carol = "carol@partner.example";

    const bobPhone = await phoneOf(bob);
    const inbox = await bobPhone.mailboxOpen("INBOX");
    const before = inbox.exists;
    const heard = new Promise<number>((resolve) =>
      bobPhone.on("exists", (d: { count: number }) => {
        if (d.count > before) resolve(Date.now());
      }),
    );
    const idling = bobPhone.idle();

    const started = Date.now();
    const r = await phone({
      port: gw.ports.smtp,
      mode: "starttls",
      ca: gw.tls.cert,
      steps: [
        ["ehlo"],
        ["starttls"],
        ["ehlo"],
        ["login", alice.address, alice.password],
        [
          "sendmail",
          alice.address,
          [bob.address, carol],
          mail({ from: `Alice <${alice.address}>`, to: `Bob <${bob.address}>`, bcc: `<${carol}>`, subject }),
        ],
        ["quit"],
      ],
    });
    // sendmail's result: accepted, no recipient refused.
    expect(r[4]).toEqual([250, "{}"]);

    const heardAt = await Promise.race([
      heard,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error("bob's phone heard nothing")), 30_000)),
    ]);
    const latency = heardAt - started;
    console.log(`submission → bob's IDLE EXISTS: ${latency} ms`);
    expect(latency).toBeLessThan(WITHIN_MS);
    await bobPhone.idle().catch(() => {});
    void idling;

    // Bob's copy, read through Postern: the subject, and no trace of the blind copy.
    const got = await bobPhone.fetchOne("*", { envelope: true, source: true });
    expect(got && got.envelope?.subject).toBe(subject);
    const source = got ? (got.source?.toString("utf8") ?? "") : "";
    expect(source).not.toMatch(/^Bcc:/im);
    expect(source).not.toContain(carol);
    expect(source).toMatch(
      /^Received: from phone\.example \(\[127\.0\.0\.1\]\)\r\n\tby mail\.postern\.test \(Postern\)/m,
    );

    // Carol (the Bcc) got it at the backend.
    const carolClient = await direct(dovecot, USERS.carol);
    try {
      await carolClient.mailboxOpen("INBOX");
      const c = await carolClient.fetchOne("*", { envelope: true });
      expect(c && c.envelope?.subject).toBe(subject);
    } finally {
      await carolClient.logout();
    }

    // Alice's Sent folder on her phone, with the Bcc she wrote.
    const alicePhone = await phoneOf(alice);
    const sent = (await alicePhone.list()).find((f) => f.specialUse === "\\Sent");
    expect(sent).toBeTruthy();
    await eventually(
      async () => {
        await alicePhone.mailboxOpen(sent?.path as string);
        for await (const m of alicePhone.fetch("1:*", { envelope: true, source: true, flags: true })) {
          if (m.envelope?.subject === subject) {
            expect(m.source?.toString("utf8")).toContain(`Bcc: <${carol}>`);
            expect(m.flags?.has("\\Seen")).toBe(true);
            return true;
          }
        }
        return false;
      },
      10_000,
      "the message in alice's Sent",
    );
    // …and at the backend: the Sent copy was appended there too (a pending op of the sync engine).
    await eventually(
      async () =>
        (
          await dovecot.doveadm([
            "search",
            "-u",
            "alice",
            "mailbox",
            sent?.path as string,
            "header",
            "Subject",
            subject,
          ])
        )
          .trim()
          .split("\n")
          .filter(Boolean).length === 1,
      15_000,
      "the Sent copy at the backend",
    );

    // Postfix relayed it once, after alice's own backend login; the outbox row says sent.
    expect(postfix.log()).toMatch(/sasl_method=PLAIN, sasl_username=alice/);
    const [row] = await outboxRows(alice.mailboxId);
    expect(row).toMatchObject({ state: "sent", attempts: 1, sentCopySaved: true });
    expect(row.relayResponse).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(last(r)[0]).toBe(221);
  });
});

describe("a POP3 mailbox sends", () => {
  it("through its relay; the Sent copy is kept by Postern (POP3 has no folders), nothing is uploaded", async () => {
    const dave = await pop3BackedMailbox(dovecot, USERS.dave);
    await useRelay(dave.mailboxId, postfix);
    await synced(dave.mailboxId);
    const subject = `From a POP3 mailbox ${Date.now()}`;
    const r = await phone({
      port: gw.ports.smtps,
      mode: "tls",
      ca: gw.tls.cert,
      steps: [
        ["login", dave.address, dave.password],
        ["sendmail", dave.address, [bob.address], mail({ from: dave.address, to: bob.address, subject })],
      ],
    });
    expect(r[1]).toEqual([250, "{}"]);
    await eventually(
      async () =>
        (await dovecot.doveadm(["search", "-u", "bob", "mailbox", "INBOX", "header", "Subject", subject])).trim() !==
        "",
      15_000,
      "bob's copy at the backend",
    );
    const davePhone = await phoneOf(dave);
    const sent = (await davePhone.list()).find((f) => f.specialUse === "\\Sent");
    expect(sent).toBeTruthy();
    await eventually(
      async () => {
        await davePhone.mailboxOpen(sent?.path as string);
        const m = await davePhone.fetchOne("*", { envelope: true });
        return m && m.envelope?.subject === subject;
      },
      10_000,
      "the Sent copy on Postern",
    );
    const appends = await testPrisma().pendingOp.count({ where: { mailboxId: dave.mailboxId, kind: "append" } });
    expect(appends).toBe(0);
  });
});

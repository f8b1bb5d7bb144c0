// The portal's own mail goes out through Postern's outbound path: a new
// business signs up at the real portal, the verification mail is committed
// to the outbox, the gateway's delivery worker relays it through the
// operator's relay (a real Postfix, POSTERN_MAIL_RELAY_URL) into the
// owner's real mailbox (Dovecot), and the link in it verifies the address.
// A recipient the relay refuses for good is logged for the operator and
// leaves nothing owed behind (there is no INBOX to bounce to).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { queueSystemMail } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { direct } from "../../../test/helpers/backend.ts";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { callAction, type Portal, startPortal } from "../../../test/helpers/portal.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { type Postfix, relayDovecotConfig, startPostfix } from "../../../test/helpers/postfix.ts";

const OWNER = { user: "owner", password: "owner-pass" };
const s = uniqueSuffix();
const FROM = `Postern at Example <no-reply@postern-${s}.example>`;
let dovecot: Dovecot;
let postfix: Postfix;
let portal: Portal;
let gw: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [OWNER], pop3: false, extraConfig: relayDovecotConfig() });
  postfix = await startPostfix({
    lmtpPort: dovecot.lmtpPort,
    rejectRecipients: [{ match: "^ghost@", reply: "550 5.1.1 No such user here" }],
  });
  // The relay's own certificate, trusted as the operator would with POSTERN_MAIL_RELAY_CA.
  const relayEnv = {
    POSTERN_MAIL_RELAY_URL: `smtp://127.0.0.1:${postfix.port}`,
    POSTERN_MAIL_FROM: FROM,
  };
  gw = await startTestGateway({
    ...relayEnv,
    POSTERN_OUTBOX: "true",
    POSTERN_OUTBOX_BACKOFF_SECONDS: "1",
    POSTERN_OUTBOX_BACKOFF_MAX_SECONDS: "2",
    POSTERN_MAIL_RELAY_CA: await caFile(),
  });
  portal = await startPortal(relayEnv);
}, 240_000);

afterAll(async () => {
  await portal?.stop();
  await gw?.close();
  await postfix?.destroy();
  await dovecot?.stop();
});

async function caFile(): Promise<string> {
  const file = path.join(dovecot.baseDir, "relay-ca.pem");
  await writeFile(file, postfix.certPem);
  return file;
}

describe("the portal's own mail", () => {
  it("a signup's verification mail goes through the outbox and the relay into the owner's mailbox; its link verifies", async () => {
    const email = `owner@signup-${s}.example`;
    const r = await callAction(portal.url, null, "/signup", "apps/web/app/(account)/actions.ts", "signupAction", [
      { businessName: `Mail Co ${s}`, email, password: "a long enough password" },
    ]);
    expect(r.result).toMatchObject({ ok: true });

    // In the outbox without a mailbox (Postern's own mail), then relayed.
    const row = await eventually(
      async () => {
        const rows = await testPrisma().outboundMessage.findMany({ where: { recipients: { has: email } } });
        return rows.length === 1 && rows[0].state === "sent" ? rows[0] : null;
      },
      30_000,
      "the verification mail to be relayed",
    );
    expect(row).toMatchObject({ mailboxId: null, envelopeFrom: `no-reply@postern-${s}.example` });

    // In the owner's real mailbox at Dovecot, as any mail client reads it.
    const imap = await direct(dovecot, OWNER);
    let raw = "";
    try {
      await eventually(
        async () => {
          const lock = await imap.getMailboxLock("INBOX");
          try {
            for await (const m of imap.fetch("1:*", { source: true })) raw = m.source?.toString() ?? "";
          } finally {
            lock.release();
          }
          return raw.includes(email);
        },
        30_000,
        "the mail in the owner's INBOX",
      );
    } finally {
      await imap.logout();
    }
    expect(raw).toMatch(/^Subject: Confirm your email for Postern\r$/m);
    expect(raw).toContain(`From: ${FROM}`);
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    const link = /http\S+\/verify\/[A-Za-z0-9_-]+/.exec(raw.replace(/=\r\n/g, ""))?.[0];
    expect(link, raw).toBeTruthy();

    // The link works, once.
    const before = await testPrisma().user.findUniqueOrThrow({ where: { email } });
    expect(before.emailVerifiedAt).toBeNull();
    const page = await fetch(link as string);
    expect(page.status).toBe(200);
    const after = await testPrisma().user.findUniqueOrThrow({ where: { email } });
    expect(after.emailVerifiedAt).not.toBeNull();
    // Nothing of the link is logged when a relay carries it.
    expect(portal.output()).not.toContain(link as string);
  });

  it("a recipient the relay refuses for good: failed, logged, nothing left owed", async () => {
    const to = `ghost@signup-${s}.example`;
    const raw = Buffer.from(
      `From: ${FROM}\r\nTo: ${to}\r\nSubject: Reset your Postern password\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${s}@postern.test>\r\n\r\nA link.\r\n`,
    );
    const id = await queueSystemMail(testContext(), { from: `no-reply@postern-${s}.example`, to, raw });
    const row = await eventually(
      async () => {
        const r = await testPrisma().outboundMessage.findUniqueOrThrow({ where: { id } });
        return r.state !== "queued" && r.state !== "sending" && !r.bouncePending ? r : null;
      },
      30_000,
      "the refused mail to be settled",
    );
    expect(row).toMatchObject({ state: "bounced", recipientStatus: { [to]: { state: "failed", status: "5.1.1" } } });
  });
});

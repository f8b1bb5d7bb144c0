// Never silence: when the relay (a real Postfix) refuses a message for
// good, or cannot be reached for the whole retry period, an RFC 3464
// delivery-status notification lands in the sender's INBOX, and a client
// (imapflow, through Postern) shows it with the original subject. A
// partial refusal bounces only the refused recipients. The admin CLI shows
// and retries outbox messages.
import { execFile } from "node:child_process";
import path from "node:path";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow } from "../../../test/helpers/imap.ts";
import { freePort } from "../../../test/helpers/ports.ts";
import { type Postfix, startPostfix } from "../../../test/helpers/postfix.ts";
import type { Gateway } from "../src/gateway.ts";
import {
  eventually,
  hostedSender,
  last,
  mail,
  OUTBOX_TEST_ENV,
  outboxRows,
  phone,
  type Sender,
} from "./smtp-fixture.ts";

const RETRY_SECONDS = 4;
let gw: Gateway & { dataDir: string };
let refusing: Postfix;
let picky: Postfix;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  [refusing, picky] = await Promise.all([
    startPostfix({ rejectAll: true }),
    startPostfix({ rejectRecipients: [{ match: "^ghost@", reply: "550 5.1.1 No such user here" }] }),
  ]);
  // The retry period is stored with each message when it is accepted, so this gateway's short one
  // applies whichever test gateway's worker sends it.
  gw = await startTestGateway({ ...OUTBOX_TEST_ENV, POSTERN_OUTBOX_RETRY_SECONDS: String(RETRY_SECONDS) });
});
afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => {});
  await gw?.close();
  await Promise.all([refusing?.destroy(), picky?.destroy()]);
});

async function submit(alice: Sender, rcpts: string[], subject: string): Promise<string> {
  const r = await phone({
    port: gw.ports.smtps,
    mode: "tls",
    ca: gw.tls.cert,
    steps: [
      ["login", alice.address, alice.password],
      ["sendmail", alice.address, rcpts, mail({ from: `Alice <${alice.address}>`, to: rcpts.join(", "), subject })],
    ],
  });
  expect(last(r)[0]).toBe(250);
  const [row] = (await outboxRows(alice.mailboxId)).slice(-1);
  return row.id;
}

/** Alice's phone on Postern, waiting for the bounce in INBOX. */
async function bounceIn(alice: Sender, count = 1) {
  const c = await imapflow(gw, { address: alice.address, password: alice.password });
  clients.push(c);
  const lock = await c.getMailboxLock("INBOX");
  try {
    await eventually(
      async () => {
        const status = await c.status("INBOX", { messages: true });
        return status !== false && (status.messages ?? 0) >= count;
      },
      20_000,
      "the bounce in INBOX",
    );
    const msgs = [];
    for await (const m of c.fetch("1:*", { envelope: true, bodyStructure: true, flags: true, uid: true })) msgs.push(m);
    const m = msgs[count - 1];
    const report = m.bodyStructure?.childNodes?.find((p) => p.type === "message/delivery-status");
    const headers = m.bodyStructure?.childNodes?.find((p) => p.type === "text/rfc822-headers");
    const part = async (id?: string) => {
      const { content } = await c.download(String(m.uid), id, { uid: true });
      const chunks: Buffer[] = [];
      for await (const ch of content ?? []) chunks.push(ch as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    };
    return {
      envelope: m.envelope,
      flags: m.flags,
      structure: m.bodyStructure,
      report: await part(report?.part),
      headers: await part(headers?.part),
      text: await part("1"),
    };
  } finally {
    lock.release();
  }
}

describe("bounces", () => {
  it("a relay that refuses for good: a DSN in the sender's INBOX, shown with the original subject", async () => {
    const alice = await hostedSender({ relay: refusing });
    const id = await submit(alice, ["bob@elsewhere.example"], "Quarterly report");
    const dsn = await bounceIn(alice);
    expect(dsn.envelope?.subject).toBe("Undelivered Mail: Quarterly report");
    expect(dsn.envelope?.from?.[0]?.address).toBe("MAILER-DAEMON@mail.postern.test");
    expect(dsn.flags?.has("\\Seen")).toBe(false);
    expect(dsn.structure?.type).toBe("multipart/report");
    expect(dsn.structure?.parameters?.["report-type"]).toBe("delivery-status");
    expect(dsn.structure?.childNodes?.map((p) => p.type)).toEqual([
      "text/plain",
      "message/delivery-status",
      "text/rfc822-headers",
    ]);
    expect(dsn.report).toContain("Reporting-MTA: dns; mail.postern.test");
    expect(dsn.report).toContain(`X-Postern-Queue-ID: ${id}`);
    expect(dsn.report).toMatch(/Arrival-Date: \w{3}, /);
    expect(dsn.report).toContain("Final-Recipient: rfc822; bob@elsewhere.example");
    expect(dsn.report).toContain("Action: failed");
    expect(dsn.report).toContain("Status: 5.7.1");
    expect(dsn.report).toContain("Remote-MTA: dns; 127.0.0.1");
    expect(dsn.report).toMatch(
      /Diagnostic-Code: smtp; 554 5\.7\.1 <bob@elsewhere\.example>: Recipient address rejected/,
    );
    expect(dsn.headers).toContain("Subject: Quarterly report");
    expect(dsn.text).toContain("<bob@elsewhere.example>: 554 5.7.1");
    const [row] = await outboxRows(alice.mailboxId);
    expect(row).toMatchObject({ state: "bounced", bouncePending: false, attempts: 1 });
    // The Sent copy is there too: the phone's Sent folder is complete either way.
    await eventually(async () => (await outboxRows(alice.mailboxId))[0].sentCopySaved, 10_000, "the Sent copy");
  });

  it("some recipients refused, others accepted: sent, and a bounce naming only the refused ones", async () => {
    const alice = await hostedSender({ relay: picky });
    await submit(alice, ["bob@elsewhere.example", "ghost@elsewhere.example"], "Party on Friday");
    const dsn = await bounceIn(alice);
    expect(dsn.envelope?.subject).toBe("Undelivered Mail: Party on Friday");
    expect(dsn.report).toContain("Final-Recipient: rfc822; ghost@elsewhere.example");
    expect(dsn.report).toContain("Status: 5.1.1");
    expect(dsn.report).not.toContain("bob@elsewhere.example");
    const [row] = await outboxRows(alice.mailboxId);
    expect(row.state).toBe("sent");
    expect(row.recipientStatus).toMatchObject({
      "bob@elsewhere.example": { state: "sent" },
      "ghost@elsewhere.example": { state: "failed", status: "5.1.1", reported: true },
    });
    expect(picky.acceptedCount()).toBeGreaterThanOrEqual(1);
  });

  it(`a relay that cannot be reached for the whole retry period (${RETRY_SECONDS} s here): retried, then bounced as expired`, async () => {
    const closed = await freePort();
    const alice = await hostedSender({ relay: { port: closed, certPem: refusing.certPem } });
    await submit(alice, ["bob@elsewhere.example"], "Lost in transit");
    const dsn = await bounceIn(alice);
    expect(dsn.envelope?.subject).toBe("Undelivered Mail: Lost in transit");
    expect(dsn.report).toContain("Status: 5.4.7");
    expect(dsn.report).toMatch(/Diagnostic-Code: x-postern; .*ECONNREFUSED/);
    const [row] = await outboxRows(alice.mailboxId);
    expect(row.state).toBe("failed");
    expect(row.attempts).toBeGreaterThan(1);
    expect(row.lastError).toContain("ECONNREFUSED");
  });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ["--import", "tsx", "apps/gateway/src/cli/main.ts", ...args],
      {
        cwd: path.resolve(import.meta.dirname, "../../.."),
        env: { ...process.env, DATABASE_URL: databaseUrl(), POSTERN_DATA_DIR: gw.dataDir },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("postern outbox", () => {
  it("list shows what became of each message; retry sends a bounced one again", async () => {
    const alice = await hostedSender({ relay: refusing });
    const id = await submit(alice, ["bob@elsewhere.example"], "Try again");
    await eventually(async () => (await outboxRows(alice.mailboxId))[0].state === "bounced", 15_000, "the bounce");

    const listed = await cli(["outbox", "list", "--mailbox", alice.address, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      mailbox: alice.address,
      subject: "Try again",
      state: "bounced",
      attempts: 1,
      recipients: [{ address: "bob@elsewhere.example", state: "failed", status: "5.7.1" }],
    });
    const human = await cli(["outbox", "list", "--state", "bounced", "--limit", "500"]);
    expect(human.stdout).toContain(id);

    const retried = await cli(["outbox", "retry", id, "--json"]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({ id, state: "queued" });
    // Still refused: a second attempt, a second bounce.
    await eventually(
      async () => {
        const [row] = await outboxRows(alice.mailboxId);
        return row.state === "bounced" && row.attempts === 2 && !row.bouncePending;
      },
      15_000,
      "the second attempt",
    );
    await bounceIn(alice, 2);

    const unknown = await cli(["outbox", "retry", "00000000-0000-0000-0000-000000000000"]);
    expect(unknown.code).toBe(3);
    const bad = await cli(["outbox", "retry", "nope"]);
    expect(bad.code).toBe(2);
  });

  it("retry refuses a message every recipient already got", async () => {
    const alice = await hostedSender({ relay: picky });
    const id = await submit(alice, ["bob@elsewhere.example"], "Delivered");
    await eventually(async () => (await outboxRows(alice.mailboxId))[0].state === "sent", 15_000, "delivery");
    const r = await cli(["outbox", "retry", id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("already delivered");
  });
});

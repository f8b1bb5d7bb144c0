// Real phones submit through Postern: Python's smtplib and swaks, over
// STARTTLS (RFC 6409 on SMTP_PORT) and implicit TLS (RFC 8314 on
// SMTPS_PORT). EHLO offers only what works, and every accepted message is
// in the outbox — relayed copy without Bcc, Sent copy as written — by the
// time `250` is read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import type { Gateway } from "../src/gateway.ts";
import { SMTP_LIMITS } from "../src/smtp/limits.ts";
import {
  blobOf,
  hostedSender,
  last,
  mail,
  outboxRows,
  type PhoneSpec,
  phone,
  type Sender,
  swaks,
} from "./smtp-fixture.ts";

let gw: Gateway;
const senders: Sender[] = [];
async function sender(opts: Parameters<typeof hostedSender>[0] = {}) {
  const s = await hostedSender(opts);
  senders.push(s);
  return s;
}

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
  // Nothing relays these (no relay is configured): do not leave them to other test gateways' workers.
  await testPrisma().outboundMessage.deleteMany({ where: { mailboxId: { in: senders.map((s) => s.mailboxId) } } });
});

const capabilities = (reply: [number, string]) => reply[1].split("\n").slice(1);

describe("EHLO", () => {
  it("offers STARTTLS and no AUTH in the clear; AUTH PLAIN LOGIN once TLS is up; never CHUNKING", async () => {
    const r = await phone({
      port: gw.ports.smtp,
      mode: "starttls",
      ca: gw.tls.cert,
      steps: [["ehlo"], ["starttls"], ["ehlo"], ["quit"]],
    });
    const before = capabilities(r[0]);
    const after = capabilities(r[2]);
    expect(before).toEqual(
      expect.arrayContaining([
        "PIPELINING",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        `SIZE ${SMTP_LIMITS.maxMessageBytes}`,
      ]),
    );
    expect(before.some((c) => c.startsWith("AUTH"))).toBe(false);
    expect(after).toEqual(
      expect.arrayContaining(["PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"]),
    );
    expect(after).not.toContain("STARTTLS");
    for (const caps of [before, after]) {
      expect(caps).not.toContain("CHUNKING");
      expect(caps).not.toContain("DSN");
    }
  });

  it("on the implicit-TLS port offers AUTH at once and no STARTTLS", async () => {
    const r = await phone({ port: gw.ports.smtps, mode: "tls", ca: gw.tls.cert, steps: [["ehlo"], ["quit"]] });
    const caps = capabilities(r[0]);
    expect(caps).toContain("AUTH PLAIN LOGIN");
    expect(caps).not.toContain("STARTTLS");
  });
});

describe("phones send", () => {
  for (const mode of ["starttls", "tls"] as const) {
    it(`smtplib over ${mode === "tls" ? "implicit TLS" : "STARTTLS"}: 250 only once the message is in the outbox`, async () => {
      const alice = await sender();
      const to = ["bob@elsewhere.example"];
      const body = mail({
        from: `Alice <${alice.address}>`,
        to: "Bob <bob@elsewhere.example>",
        subject: `via ${mode}`,
      });
      const r = await phone({
        port: mode === "tls" ? gw.ports.smtps : gw.ports.smtp,
        mode,
        ca: gw.tls.cert,
        steps: [
          ["ehlo"],
          ...(mode === "starttls" ? ([["starttls"], ["ehlo"]] as PhoneSpec["steps"]) : []),
          ["login", alice.address, alice.password],
          ["sendmail", alice.address, to, body],
          ["quit"],
        ],
      });
      expect(r.find((x) => x[0] === 235)).toBeTruthy();
      // The reply to DATA is read after the commit: the row is there already.
      const rows = await outboxRows(alice.mailboxId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        state: "queued",
        envelopeFrom: alice.address,
        recipients: to,
        deviceId: alice.deviceId,
        sentCopySaved: false,
      });
      const relayed = (await blobOf(rows[0].blobId)).toString("utf8");
      expect(relayed).toContain(`Subject: via ${mode}`);
      expect(relayed).toMatch(
        new RegExp(
          `^Received: from phone\\.example \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mail\\.postern\\.test \\(Postern\\) with ESMTPSA id ${rows[0].id};`,
        ),
      );
    });
  }

  for (const mode of ["STARTTLS", "implicit TLS"] as const) {
    it(`swaks over ${mode}`, async () => {
      const alice = await sender();
      const r = await swaks([
        ...["--server", `127.0.0.1:${mode === "STARTTLS" ? gw.ports.smtp : gw.ports.smtps}`],
        mode === "STARTTLS" ? "--tls" : "--tls-on-connect",
        ...[
          "--ehlo",
          "swaks.example",
          "--auth",
          "PLAIN",
          "--auth-user",
          alice.address,
          "--auth-password",
          alice.password,
        ],
        ...["--from", alice.address, "--to", "bob@elsewhere.example", "--h-From", `<${alice.address}>`],
        ...["--h-Subject", `swaks ${mode}`],
      ]);
      expect(r.code, r.out).toBe(0);
      const id = /<[-~]\s+250 2\.0\.0 Ok: queued as ([0-9a-f-]{36})/.exec(r.out)?.[1];
      expect(id, r.out).toBeTruthy();
      const rows = await outboxRows(alice.mailboxId);
      expect(rows.map((x) => x.id)).toEqual([id]);
    });
  }
});

describe("what is stored", () => {
  it("relays without Bcc (the envelope keeps the blind recipient); the Sent copy keeps it", async () => {
    const alice = await sender();
    const body = mail({
      from: alice.address,
      to: "bob@elsewhere.example",
      bcc: "Carol\r\n <carol@third.example>",
      subject: "blind",
    });
    const r = await phone({
      port: gw.ports.smtps,
      mode: "tls",
      ca: gw.tls.cert,
      steps: [
        ["login", alice.address, alice.password],
        ["sendmail", alice.address, ["bob@elsewhere.example", "carol@third.example"], body],
      ],
    });
    expect(last(r)[0]).toBe(250);
    const [row] = await outboxRows(alice.mailboxId);
    expect(row.recipients).toEqual(["bob@elsewhere.example", "carol@third.example"]);
    const relayed = (await blobOf(row.blobId)).toString("utf8");
    expect(relayed).not.toMatch(/^Bcc:/im);
    expect(relayed).not.toContain("carol");
    expect(relayed).toContain("\r\n\r\nHi,\r\nsee you soon.\r\n");
    expect(row.sentBlobId).toBeTruthy();
    const sent = (await blobOf(row.sentBlobId as string)).toString("utf8");
    expect(sent).toContain("Bcc: Carol\r\n <carol@third.example>\r\n");
    expect(sent).not.toContain("Received:");
  });

  it("adds Date and Message-ID when the phone left them out (RFC 6409 §8), the same in both copies; bare LFs become CRLF", async () => {
    const alice = await sender();
    const body = `From: ${alice.address}\nTo: bob@elsewhere.example\nSubject: bare\n\nline one\nline two\n`;
    const r = await phone({
      port: gw.ports.smtps,
      mode: "tls",
      ca: gw.tls.cert,
      steps: [
        ["login", alice.address, alice.password],
        ["mail", alice.address],
        ["rcpt", "bob@elsewhere.example"],
        ["data", body],
      ],
    });
    expect(last(r)[0]).toBe(250);
    const [row] = await outboxRows(alice.mailboxId);
    const relayed = (await blobOf(row.blobId)).toString("utf8");
    const sent = (await blobOf(row.sentBlobId as string)).toString("utf8");
    const id = /^Message-ID: (<[^>]+@mail\.postern\.test>)\r$/m.exec(relayed)?.[1];
    expect(id).toBeTruthy();
    expect(sent).toContain(`Message-ID: ${id}\r\n`);
    expect(sent).toMatch(/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r$/m);
    expect(sent).toMatch(/Subject: bare\r\nDate: .*\r\nMessage-ID: .*\r\n\r\nline one\r\nline two\r\n/);
    expect(relayed.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("saves no Sent copy when the backend's relay files sent mail itself (relaySavesSent)", async () => {
    const alice = await sender({ options: { relaySavesSent: true } });
    const r = await phone({
      port: gw.ports.smtps,
      mode: "tls",
      ca: gw.tls.cert,
      steps: [
        ["login", alice.address, alice.password],
        [
          "sendmail",
          alice.address,
          ["bob@elsewhere.example"],
          mail({ from: alice.address, to: "bob@elsewhere.example" }),
        ],
      ],
    });
    expect(last(r)[0]).toBe(250);
    const [row] = await outboxRows(alice.mailboxId);
    expect(row).toMatchObject({ sentBlobId: null, sentCopySaved: true });
  });
});

describe("POSTERN_PLAINTEXT_LOOPBACK", () => {
  it("lets a loopback client authenticate without TLS (development only)", async () => {
    const dev = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" });
    try {
      const alice = await sender();
      const r = await phone({
        port: dev.ports.smtp,
        mode: "plain",
        ca: dev.tls.cert,
        steps: [["ehlo"], ["login", alice.address, alice.password], ["quit"]],
      });
      expect(capabilities(r[0])).toContain("AUTH PLAIN LOGIN");
      expect(r[1][0]).toBe(235);
    } finally {
      await dev.close();
    }
  });
});
